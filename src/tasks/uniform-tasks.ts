import { automataParity, parityAll, parityAt, parityFirstHalf, sha256Parity } from "./labels.js";
import { parityRandIdx } from "./parity-rand-idx.js";
import { checkCapacity, enumerateCapacity, randomBits, sampleByLabel } from "./sampling.js";
import type { SampledPool, Task } from "./task.js";

/** The paper's grid lengths for every task but fn_h. */
export const PAPER_LENGTHS: readonly number[] = [100, 50, 30, 25, 20];

interface UniformSpec {
  id: string;
  name: string;
  /** null if the task has inputs of this length. */
  checkLength(length: number): string | null;
  label(length: number): (x: string) => 0 | 1;
  /** Exact class sizes among all 2^L strings, or null to count them when L is small. */
  exactCapacity?: (length: number) => { positives: bigint; negatives: bigint };
}

/**
 * Tasks whose examples are uniform random bit strings labelled by the target, drawn until each class has
 * its half, all distinct (fn_a, fn_b, fn_e, fn_f, fn_j, fn_l).
 */
function uniformTask(spec: UniformSpec): Task {
  return {
    id: spec.id,
    name: spec.name,
    decimal: false,
    paperLengths: PAPER_LENGTHS,
    checkLength: spec.checkLength,
    label: (x) => spec.label(x.length)(x),
    async sample(rng, length, positives, negatives): Promise<SampledPool> {
      const label = spec.label(length);
      const need = positives + negatives;
      if (spec.exactCapacity) {
        checkCapacity(spec.id, length, positives, negatives, spec.exactCapacity(length));
      } else if (length <= 20 && 2 ** length <= 64 * need) {
        checkCapacity(spec.id, length, positives, negatives, enumerateCapacity(length, label));
      }
      return sampleByLabel(spec.id, length, positives, negatives, () => randomBits(rng, length), label);
    },
  };
}

const positiveLength = (length: number): string | null =>
  Number.isInteger(length) && length >= 1 ? null : "the length must be a positive integer";

const halfEach = (length: number) => ({
  positives: 2n ** BigInt(length - 1),
  negatives: 2n ** BigInt(length - 1),
});

function idxFor(length: number, k: number): readonly number[] {
  const idx = parityRandIdx(length, k);
  if (idx === undefined) throw new Error(`no fn_e/fn_f coordinates for L=${length}`);
  return idx;
}

const checkIdxLength =
  (k: number) =>
  (length: number): string | null =>
    positiveLength(length) ??
    (parityRandIdx(length, k) === undefined
      ? `the paper's coordinates (data/parity_rand_idx.json) exist only for L = 1..256`
      : null);

export const fnA = uniformTask({
  id: "fn_a",
  name: "parity_all",
  checkLength: positiveLength,
  label: () => parityAll,
  exactCapacity: halfEach,
});

export const fnB = uniformTask({
  id: "fn_b",
  name: "parity_first_half",
  checkLength: (length) =>
    positiveLength(length) ??
    (length < 2 ? "the first half is empty below L=2 (every label would be 0)" : null),
  label: () => parityFirstHalf,
  exactCapacity: halfEach,
});

export const fnE = uniformTask({
  id: "fn_e",
  name: "parity_rand_3",
  checkLength: checkIdxLength(3),
  label: (length) => parityAt(idxFor(length, 3)),
  exactCapacity: halfEach,
});

export const fnF = uniformTask({
  id: "fn_f",
  name: "parity_rand_10",
  checkLength: checkIdxLength(10),
  label: (length) => parityAt(idxFor(length, 10)),
  exactCapacity: halfEach,
});

export const fnJ = uniformTask({
  id: "fn_j",
  name: "automata_parity",
  checkLength: positiveLength,
  label: () => automataParity,
});

export const fnL = uniformTask({
  id: "fn_l",
  name: "sha256_parity",
  checkLength: positiveLength,
  label: () => sha256Parity,
});
