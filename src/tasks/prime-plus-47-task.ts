import type { RandomSource } from "../core/random.js";
import { isProbablePrime, nextPrimes } from "../primes/index.js";
import { StallGuard } from "./sampling.js";
import type { SampledPool, Task } from "./task.js";
import { PAPER_LENGTHS } from "./uniform-tasks.js";

const OFFSET = 47n;
const ODD_TAIL = new Set([1n, 3n, 7n, 9n]);

/** fn_v: the decimal number n has n - 47 prime (0 when n - 47 < 2). */
export function primePlus47(x: string): 0 | 1 {
  const m = BigInt(x) - OFFSET;
  return m >= 2n && isProbablePrime(m) ? 1 : 0;
}

/** A factor's range [start, end) of `digits` digits; the authors use [2, 3) when a factor has no digit. */
function factorRange(digits: number): readonly [bigint, bigint] {
  return digits > 0 ? [10n ** BigInt(digits - 1), 10n ** BigInt(digits)] : [2n, 3n];
}

/**
 * fn_v prime_plus_47, as the authors' later runner draws it (DLFundamentals/LLM_PV, src/data_handler.py,
 * PrimePlus47DataGenerator; docs/datasets.md): n has L digits, in [10^(L-1), 10^L).
 * Positives: p + 47 for p the next prime after a uniform start in [p_min, p_max - 2] (p_min = max(2,
 * 10^(L-1) - 47), or 2 when 10^(L-1) <= 47; p_max = 10^L - 47), kept when p + 47 has L digits.
 * Negatives: c + 47 for c = f1 * f2, factors of floor(L/2) and L - floor(L/2) digits, kept when c + 47 has
 * L digits, c is not prime (f1 may be 1) and c ends in 1, 3, 7 or 9. All distinct across both classes.
 */
export const fnV: Task = {
  id: "fn_v",
  name: "prime_plus_47",
  decimal: true,
  paperLengths: PAPER_LENGTHS,
  inDefaultGrid: false,
  checkLength: (length) =>
    Number.isInteger(length) && length >= 2
      ? null
      : "prime_plus_47 needs L >= 2 (negatives are products of two factors of at least one digit)",
  label: primePlus47,
  buildCost: (length) => length ** 3,
  async sample(rng: RandomSource, length, positives, negatives): Promise<SampledPool> {
    const lo = 10n ** BigInt(length - 1);
    const hi = 10n ** BigInt(length);
    const pMin = lo > OFFSET ? (lo - OFFSET > 2n ? lo - OFFSET : 2n) : 2n;
    const pMax = hi - OFFSET;
    const startHi = pMax - 2n > pMin ? pMax - 2n : pMin;
    const found = new Set<bigint>();
    const pos = new Set<bigint>();
    const posGuard = new StallGuard("fn_v", length, "primes + 47", positives);
    while (pos.size < positives) {
      // one start per missing positive: the stream is consumed as by one draw per next prime (prime-tasks.ts)
      const starts = Array.from({ length: positives - pos.size }, () => rng.bigint(pMin, startHi));
      for (const p of await nextPrimes(starts)) {
        const n = p + OFFSET;
        if (n >= lo && n < hi && !pos.has(n)) {
          pos.add(n);
          found.add(n);
          posGuard.hit();
        } else posGuard.miss(pos.size);
      }
    }
    const [aStart, aEnd] = factorRange(Math.floor(length / 2));
    const [bStart, bEnd] = factorRange(length - Math.floor(length / 2));
    const neg: bigint[] = [];
    const negGuard = new StallGuard("fn_v", length, "composites + 47", negatives);
    while (neg.length < negatives) {
      const f1 = rng.bigint(aStart, aEnd - 1n);
      const f2 = rng.bigint(bStart, bEnd - 1n);
      const c = f1 * f2;
      const n = c + OFFSET;
      // a product of two factors >= 2 is composite: the primality test only where a factor is 1 (L <= 3)
      const composite = (f1 > 1n && f2 > 1n) || !isProbablePrime(c);
      if (n >= lo && n < hi && !found.has(n) && ODD_TAIL.has(c % 10n) && composite) {
        found.add(n);
        neg.push(n);
        negGuard.hit();
      } else negGuard.miss(neg.length);
    }
    return { positives: [...pos].map(String), negatives: neg.map(String) };
  },
};
