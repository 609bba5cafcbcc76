/**
 * A label: 0 or 1 for a binary rule (the paper's tasks, and a user's file whose labels are all `0`/`1`),
 * or a class's canonical text for a multi-class file (`"2"`, `"cat"`): a prediction is right when
 * Python's `str()` of it equals that text exactly (docs/data.md, "Labels").
 */
export type Label = 0 | 1 | string;

/** One labelled example: an input string and its label, as in a `<input> -> <label>` line. */
export interface Example {
  readonly x: string;
  readonly y: Label;
}

/** The three splits of a dataset, in file order. */
export interface Splits {
  readonly train: readonly Example[];
  readonly val: readonly Example[];
  readonly test: readonly Example[];
}

export type SplitName = keyof Splits;

/** True when every label is the number 0 or 1 (scored with the paper's `_to01` rules). */
export const isBinaryLabels = (examples: readonly Example[]): boolean =>
  examples.every((e) => e.y === 0 || e.y === 1);
