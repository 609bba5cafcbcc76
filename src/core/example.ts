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

/**
 * A label's canonical text, as a user's file and `learn` read labels: a string trimmed, a safe integer
 * in decimal (`2` and `" 2 "` are one class). Undefined for any other value; "" for a blank string.
 */
export function labelText(value: unknown): string | undefined {
  if (typeof value === "string") return value.trim();
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

/** Label texts that are all "0" or "1" are binary data (scored as the paper scores); others are classes. */
export const isBinaryLabelTexts = (texts: Iterable<string>): boolean => {
  for (const t of texts) if (t !== "0" && t !== "1") return false;
  return true;
};

/** A canonical label text as the runner holds it: 0 | 1 in binary data, else the text itself. */
export const labelOf = (text: string, binary: boolean): Label => (binary ? (text === "1" ? 1 : 0) : text);

/** True when every label is the number 0 or 1 (scored with the paper's `_to01` rules). */
export const isBinaryLabels = (examples: readonly Example[]): boolean =>
  examples.every((e) => e.y === 0 || e.y === 1);
