import type { RandomSource } from "../core/random.js";
import { containsPattern } from "./labels.js";
import { checkCapacity, collectDistinct, randomBits, StallGuard } from "./sampling.js";
import type { SampledPool, Task } from "./task.js";
import { PAPER_LENGTHS } from "./uniform-tasks.js";

/** Number of bit strings of length L that contain `pattern` (KMP automaton DP, exact). */
function countContaining(pattern: string, length: number): bigint {
  const m = pattern.length;
  const fail = new Array<number>(m).fill(0);
  for (let i = 1, k = 0; i < m; i++) {
    while (k > 0 && pattern[i] !== pattern[k]) k = fail[k - 1] as number;
    if (pattern[i] === pattern[k]) k++;
    fail[i] = k;
  }
  const step = (state: number, c: string): number => {
    let k = state;
    while (k > 0 && pattern[k] !== c) k = fail[k - 1] as number;
    return pattern[k] === c ? k + 1 : 0;
  };
  let avoid = new Array<bigint>(m).fill(0n);
  avoid[0] = 1n;
  for (let n = 0; n < length; n++) {
    const next = new Array<bigint>(m).fill(0n);
    for (let s = 0; s < m; s++) {
      const count = avoid[s] as bigint;
      if (count === 0n) continue;
      for (const c of ["0", "1"]) {
        const t = step(s, c);
        if (t < m) next[t] = (next[t] as bigint) + count;
      }
    }
    avoid = next;
  }
  const avoiding = avoid.reduce((a, b) => a + b, 0n);
  return 2n ** BigInt(length) - avoiding;
}

/**
 * fn_c / fn_d: positives are uniform random strings with the pattern written at a uniform random offset;
 * negatives are uniform random strings without it; all distinct.
 */
function patternTask(id: string, name: string, pattern: string): Task {
  const label = containsPattern(pattern);
  return {
    id,
    name,
    decimal: false,
    paperLengths: PAPER_LENGTHS,
    checkLength: (length) =>
      Number.isInteger(length) && length >= pattern.length
        ? null
        : `the pattern ${pattern} needs L >= ${pattern.length}`,
    label: (x) => label(x),
    async sample(rng: RandomSource, length, positives, negatives): Promise<SampledPool> {
      const withPattern = countContaining(pattern, length);
      checkCapacity(id, length, positives, negatives, {
        positives: withPattern,
        negatives: 2n ** BigInt(length) - withPattern,
      });
      const pos = collectDistinct(
        positives,
        () => {
          const x = randomBits(rng, length);
          const at = rng.int(length - pattern.length + 1);
          return x.slice(0, at) + pattern + x.slice(at + pattern.length);
        },
        new StallGuard(id, length, "positive strings", positives),
      );
      const neg = collectDistinct(
        negatives,
        () => {
          const x = randomBits(rng, length);
          return label(x) === 1 ? null : x;
        },
        new StallGuard(id, length, "negative strings", negatives),
      );
      return { positives: pos, negatives: neg };
    },
  };
}

export const fnC = patternTask("fn_c", "patternmatch1", "10101010");
export const fnD = patternTask("fn_d", "patternmatch2", "00111111");
