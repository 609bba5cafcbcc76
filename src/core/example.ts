/** One labelled example: an input string and its 0/1 label, as in a `<input> -> <label>` line. */
export interface Example {
  readonly x: string;
  readonly y: 0 | 1;
}

/** The three splits of a dataset, in file order. */
export interface Splits {
  readonly train: readonly Example[];
  readonly val: readonly Example[];
  readonly test: readonly Example[];
}

export type SplitName = keyof Splits;
