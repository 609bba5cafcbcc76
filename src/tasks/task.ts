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
  /**
   * The inputs' alphabet when it is neither bits nor decimal digits (fn_aa's edge lists); `decimal` still
   * says what meta.json records (false, as the authors' runner writes it).
   */
  readonly alphabet?: TaskAlphabet;
  /**
   * False for a task only selectable by name (`--functions fn_v`): left out of the default grid, which stays
   * the paper's twelve. Default: true.
   */
  readonly inDefaultGrid?: boolean;
}

/** An input alphabet other than bits or decimal digits. */
export interface TaskAlphabet {
  /** A whole input matches it. */
  readonly pattern: RegExp;
  /** Short name for messages: "edge list". */
  readonly name: string;
  /** The words the prompt puts where it says "binary" or "decimal". */
  readonly prompt: string;
}

/** The regular expression every input of the task matches. */
export function inputPattern(task: Task): RegExp {
  return task.alphabet?.pattern ?? (task.decimal ? /^[0-9]+$/ : /^[01]+$/);
}

/** The alphabet's name in messages and listings: "binary", "decimal" or the task's own. */
export function alphabetName(task: Task): string {
  return task.alphabet?.name ?? (task.decimal ? "decimal" : "binary");
}

/** What the paper's prompt says about the inputs: "binary", "decimal" (the twelve) or the task's own words. */
export function promptAlphabet(task: Pick<Task, "decimal" | "alphabet">): string {
  return task.alphabet?.prompt ?? (task.decimal ? "decimal" : "binary");
}

export interface SampledPool {
  readonly positives: readonly string[];
  readonly negatives: readonly string[];
}
