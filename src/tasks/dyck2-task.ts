import type { RandomSource } from "../core/random.js";
import { isDyck2 } from "./labels.js";
import { checkCapacity, collectDistinct, StallGuard } from "./sampling.js";
import type { SampledPool, Task } from "./task.js";

/** At this length the paper allows duplicates. */
const DYCK_DUPLICATES_LENGTH = 20;

/** Bit pairs of the four symbols: "(" 00, ")" 01, "[" 10, "]" 11. */
const OPEN = ["00", "10"] as const;
const CLOSE = ["01", "11"] as const;

/**
 * One random valid sequence of L/2 symbols: at each step pick a bracket type; open it when the stack is
 * empty or with probability 1/2, else close the top; finally close what is open.
 */
function randomDyck2(rng: RandomSource, length: number): string {
  const symbols = length / 2;
  const stack: number[] = [];
  const out: string[] = [];
  while (stack.length + out.length < symbols) {
    const kind = rng.int(2);
    if (stack.length === 0 || rng.float() < 0.5) {
      out.push(OPEN[kind] as string);
      stack.push(kind);
    } else {
      out.push(CLOSE[stack.pop() as number] as string);
    }
  }
  while (stack.length > 0) out.push(CLOSE[stack.pop() as number] as string);
  return out.join("");
}

/** A fresh valid sequence with 1..5 distinct bits flipped (may still be valid: the caller checks). */
function corrupted(rng: RandomSource, length: number): string {
  const bits = [...randomDyck2(rng, length)];
  const flips = Math.min(1 + rng.int(5), length);
  const positions = Array.from({ length }, (_, i) => i);
  for (let i = 0; i < flips; i++) {
    const j = i + rng.int(length - i);
    [positions[i], positions[j]] = [positions[j] as number, positions[i] as number];
    const at = positions[i] as number;
    bits[at] = bits[at] === "0" ? "1" : "0";
  }
  return bits.join("");
}

/** Valid Dyck-2 words of L/2 symbols: Catalan(L/4) * 2^(L/4). */
function countDyck2(length: number): bigint {
  const pairs = BigInt(length / 4);
  let catalan = 1n;
  for (let i = 0n; i < pairs; i++) catalan = (catalan * 2n * (2n * i + 1n)) / (i + 2n);
  return catalan * 2n ** pairs;
}

/**
 * fn_h: positives are random valid sequences, negatives fresh valid sequences with 1 to 5 distinct bits
 * flipped, kept if no longer valid; distinct, except at L=20 where duplicates are allowed.
 */
export const fnH: Task = {
  id: "fn_h",
  name: "dyck2",
  decimal: false,
  paperLengths: [100, 80, 60, 40, 20],
  checkLength: (length) =>
    Number.isInteger(length) && length >= 4 && length % 4 === 0
      ? null
      : "dyck2 needs a positive multiple of 4 (L/2 two-bit symbols forming balanced pairs)",
  label: isDyck2,
  allowsDuplicates: (length) => length === DYCK_DUPLICATES_LENGTH,
  async sample(rng, length, positives, negatives): Promise<SampledPool> {
    const invalid = (): string | null => {
      const x = corrupted(rng, length);
      return isDyck2(x) === 1 ? null : x;
    };
    if (length === DYCK_DUPLICATES_LENGTH) {
      const pos = Array.from({ length: positives }, () => randomDyck2(rng, length));
      const neg: string[] = [];
      while (neg.length < negatives) {
        const x = invalid();
        if (x !== null) neg.push(x);
      }
      return { positives: pos, negatives: neg };
    }
    const valid = countDyck2(length);
    checkCapacity("fn_h", length, positives, negatives, {
      positives: valid,
      negatives: 2n ** BigInt(length) - valid,
    });
    const pos = collectDistinct(
      positives,
      () => randomDyck2(rng, length),
      new StallGuard("fn_h", length, "valid sequences", positives),
    );
    const neg = collectDistinct(
      negatives,
      invalid,
      new StallGuard("fn_h", length, "invalid sequences", negatives),
    );
    return { positives: pos, negatives: neg };
  },
};
