import type { RandomSource } from "../core/random.js";
import { isProbablePrime, nextPrimes } from "../primes/index.js";
import { isPrimeDecimal } from "./labels.js";
import { checkCapacity, StallGuard } from "./sampling.js";
import type { SampledPool, Task } from "./task.js";
import { PAPER_LENGTHS } from "./uniform-tasks.js";

/** Up to this length, class sizes are counted exactly before sampling. */
const EXACT_CAPACITY_MAX_LENGTH = 6;

interface PrimeSpec {
  id: string;
  name: string;
  /** fn_k keeps a negative only if its last digit is 1, 3, 7 or 9. */
  keepNegative: (n: bigint) => boolean;
}

function bounds(length: number) {
  const lo = 10n ** BigInt(length - 1);
  const hi = 10n ** BigInt(length);
  const aLen = Math.floor(length / 2);
  const bLen = length - aLen;
  return {
    lo,
    hi,
    a: [10n ** BigInt(aLen - 1), 10n ** BigInt(aLen) - 1n] as const,
    b: [10n ** BigInt(bLen - 1), 10n ** BigInt(bLen) - 1n] as const,
  };
}

/** Exact class sizes for small L: primes with L digits, distinct admissible products with L digits. */
function exactCapacity(spec: PrimeSpec, length: number): { positives: bigint; negatives: bigint } {
  const { lo, hi, a, b } = bounds(length);
  let primes = 0n;
  for (let n = lo; n < hi; n++) if (isProbablePrime(n)) primes++;
  const products = new Set<bigint>();
  for (let f1 = a[0]; f1 <= a[1]; f1++) {
    for (let f2 = b[0]; f2 <= b[1]; f2++) {
      const c = f1 * f2;
      if (c >= hi) break;
      if (c >= lo && spec.keepNegative(c)) products.add(c);
    }
  }
  return { positives: primes, negatives: BigInt(products.size) };
}

/**
 * fn_i / fn_k: positives are the next prime after a uniform random start in [10^(L-1), 10^L - 2], kept if
 * it still has L digits; negatives are products of two uniform random factors of floor(L/2) and
 * L - floor(L/2) digits, kept if the product has exactly L digits (fn_k: and ends in 1, 3, 7 or 9).
 */
function primeTask(spec: PrimeSpec): Task {
  return {
    id: spec.id,
    name: spec.name,
    decimal: true,
    paperLengths: PAPER_LENGTHS,
    checkLength: (length) =>
      Number.isInteger(length) && length >= 2
        ? null
        : "prime tasks need L >= 2 (negatives are products of two factors of at least one digit)",
    label: isPrimeDecimal,
    // a next-prime search costs ~length^2 per candidate, over ~length candidates
    buildCost: (length) => length ** 3,
    async sample(rng: RandomSource, length, positives, negatives): Promise<SampledPool> {
      if (length <= EXACT_CAPACITY_MAX_LENGTH) {
        checkCapacity(spec.id, length, positives, negatives, exactCapacity(spec, length));
      }
      const { lo, hi, a, b } = bounds(length);
      const startHi = hi - 2n > lo ? hi - 2n : lo;
      const primes = new Set<bigint>();
      const posGuard = new StallGuard(spec.id, length, "primes", positives);
      while (primes.size < positives) {
        // Draw exactly as many starts as primes are still missing: a batch can only complete the set at
        // its last start, so the random stream is consumed exactly as by one draw per next-prime, and the
        // batch's next primes (a pure function of the starts) may be computed on several threads.
        const starts = Array.from({ length: positives - primes.size }, () => rng.bigint(lo, startHi));
        for (const p of await nextPrimes(starts)) {
          if (p < hi && !primes.has(p)) {
            primes.add(p);
            posGuard.hit();
          } else posGuard.miss(primes.size);
        }
      }
      const composites = new Set<bigint>();
      const negGuard = new StallGuard(spec.id, length, "composites", negatives);
      while (composites.size < negatives) {
        const c = rng.bigint(a[0], a[1]) * rng.bigint(b[0], b[1]);
        if (c >= lo && c < hi && spec.keepNegative(c) && !composites.has(c) && !primes.has(c)) {
          composites.add(c);
          negGuard.hit();
        } else negGuard.miss(composites.size);
      }
      return { positives: [...primes].map(String), negatives: [...composites].map(String) };
    },
  };
}

export const fnI = primeTask({ id: "fn_i", name: "prime_decimal", keepNegative: () => true });

const ODD_TAIL = new Set([1n, 3n, 7n, 9n]);
export const fnK = primeTask({
  id: "fn_k",
  name: "prime_decimal_tf_check",
  keepNegative: (n) => ODD_TAIL.has(n % 10n),
});
