import type { RandomSource } from "../core/random.js";

/** A hidden rule the tool learns: labels strings of one length over one alphabet. */
export interface Task {
  /** Function id users type: `fn_a`. */
  readonly id: string;
  /** Target name used in dataset paths: `parity_all`. */
  readonly name: string;
  /** Decimal digits (true) or bits (false): decides the alphabet and the prompt. */
  readonly decimal: boolean;
  /** Lengths of the paper grid for this task. */
  readonly paperLengths: readonly number[];
  /** null when the task can have inputs of this length, else a message saying why not. */
  checkLength(length: number): string | null;
  /** The ground-truth label. */
  label(x: string): 0 | 1;
  /**
   * Draw `positives` + `negatives` examples of length L as the paper draws them (docs/datasets.md,
   * "How examples are drawn"). Deterministic in `rng`.
   */
  sample(rng: RandomSource, length: number, positives: number, negatives: number): Promise<SampledPool>;
  /**
   * Rough relative cost of building one example of length L (default: L), so that the dataset builder
   * starts the slowest datasets first and builds the costliest wide. The prime tasks give L^3.
   */
  buildCost?(length: number): number;
  /** True where the paper lets an input appear more than once in a dataset (fn_g and fn_h at L=20). */
  allowsDuplicates?(length: number): boolean;
}

export interface SampledPool {
  readonly positives: readonly string[];
  readonly negatives: readonly string[];
}
