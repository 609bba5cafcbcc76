import type { RandomSource } from "../core/random.js";
import { isPalindrome } from "./labels.js";
import { checkCapacity, collectDistinct, randomBits, StallGuard } from "./sampling.js";
import type { SampledPool, Task } from "./task.js";
import { PAPER_LENGTHS } from "./uniform-tasks.js";

/** At this length the paper allows duplicates (only 1024 palindromes exist). */
const PALINDROME_DUPLICATES_LENGTH = 20;

const mirror = (half: string, length: number): string =>
  half + [...half.slice(0, Math.floor(length / 2))].reverse().join("");

/**
 * fn_g: positives mirror a random first half of ceil(L/2) bits; negatives are random non-palindromes; all
 * distinct. At L=20 duplicates are allowed and each negative is a positive with one bit of its first half
 * flipped.
 */
export const fnG: Task = {
  id: "fn_g",
  name: "palindrome",
  decimal: false,
  paperLengths: PAPER_LENGTHS,
  checkLength: (length) =>
    Number.isInteger(length) && length >= 2
      ? null
      : "a palindrome task needs L >= 2 (non-palindromes must exist)",
  label: isPalindrome,
  allowsDuplicates: (length) => length === PALINDROME_DUPLICATES_LENGTH,
  async sample(rng: RandomSource, length, positives, negatives): Promise<SampledPool> {
    const halfLength = Math.ceil(length / 2);
    if (length === PALINDROME_DUPLICATES_LENGTH) {
      const pos = Array.from({ length: positives }, () => mirror(randomBits(rng, halfLength), length));
      // One negative per positive, in order (the paper pairs them); the counts are equal when N is even.
      const neg: string[] = [];
      for (let i = 0; i < negatives; i++) {
        const base = pos[i % Math.max(1, pos.length)] ?? mirror(randomBits(rng, halfLength), length);
        const at = rng.int(halfLength);
        neg.push(base.slice(0, at) + (base[at] === "1" ? "0" : "1") + base.slice(at + 1));
      }
      return { positives: pos, negatives: neg };
    }
    const palindromes = 2n ** BigInt(halfLength);
    checkCapacity("fn_g", length, positives, negatives, {
      positives: palindromes,
      negatives: 2n ** BigInt(length) - palindromes,
    });
    const pos = collectDistinct(
      positives,
      () => mirror(randomBits(rng, halfLength), length),
      new StallGuard("fn_g", length, "palindromes", positives),
    );
    const neg = collectDistinct(
      negatives,
      () => {
        const x = randomBits(rng, length);
        return isPalindrome(x) === 1 ? null : x;
      },
      new StallGuard("fn_g", length, "non-palindromes", negatives),
    );
    return { positives: pos, negatives: neg };
  },
};
