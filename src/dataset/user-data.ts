import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename, extname } from "node:path";
import { CsvError, parse } from "csv-parse/sync";
import { UsageError } from "../core/errors.js";
import { type Example, isBinaryLabelTexts, labelOf, labelText, type Splits } from "../core/example.js";
import { createRandom, type RandomSource } from "../core/random.js";

/**
 * A user's labelled strings (`llm-erm run --data FILE`): CSV, TSV or JSONL with an input column, a label
 * column and an optional split column. Parsed, checked and split here; nothing is written. Every problem
 * is a `UserDataError` (a UsageError: exit 2) naming the file and, where there is one, the line.
 * The format is documented in docs/data.md.
 */

export const DATA_FORMATS = ["csv", "tsv", "jsonl"] as const;
export type DataFormat = (typeof DATA_FORMATS)[number];

/** The most distinct labels a file may have (the classes the verifier can score exactly). */
export const MAX_LABELS = 61;

export interface UserDataOptions {
  /** Default: from the extension (.csv, .tsv/.tab, .jsonl/.ndjson). */
  readonly format?: DataFormat;
  readonly inputCol: string;
  readonly labelCol: string;
  /** The optional split column's name (default `split`). */
  readonly splitCol?: string;
  /** Without a split column: training and validation examples drawn (stratified, seeded); the rest is test. */
  readonly trainSize: number;
  readonly valSize: number;
  readonly seed: number;
}

/** What a file holds, for the prompt, the fingerprint, the run manifest and an audit. */
export interface UserDataFacts {
  readonly file: string;
  /** A stable name from the file's name (no directory, no extension, only [A-Za-z0-9_.-]). */
  readonly name: string;
  readonly format: DataFormat;
  /** SHA-256 of the file's bytes (its content, not its path). */
  readonly sha256: string;
  readonly examples: number;
  /** `binary`: every label is 0 or 1 (scored as the paper scores them); `classes`: compared exactly. */
  readonly labelKind: "binary" | "classes";
  /** The distinct labels' texts, sorted by code unit. */
  readonly labels: readonly string[];
  /** The distinct characters (code points) of every input, sorted by code point. */
  readonly alphabet: readonly string[];
  /** Shortest and longest input, in code points (Python's len). */
  readonly minLength: number;
  readonly maxLength: number;
  /** `column`: the file's split column; `seeded`: drawn with --seed, stratified by label. */
  readonly split: "column" | "seeded";
  readonly sizes: { readonly train: number; readonly val: number; readonly test: number };
}

export interface UserDataset {
  readonly facts: UserDataFacts;
  readonly splits: Splits;
}

/** A problem with a user's data file: exit 2, the message names the file and line. */
export class UserDataError extends UsageError {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly problem: string,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ""}: ${problem}`);
  }
}

/** The format a file is read as: the one named, else from its extension. */
export function formatOf(file: string, named?: DataFormat): DataFormat {
  if (named) return named;
  const ext = extname(file).toLowerCase();
  if (ext === ".csv") return "csv";
  if (ext === ".tsv" || ext === ".tab") return "tsv";
  if (ext === ".jsonl" || ext === ".ndjson") return "jsonl";
  throw new UserDataError(
    file,
    undefined,
    `cannot tell the format from the extension '${ext}': name it with --data-format csv|tsv|jsonl`,
  );
}

/** A stable grid-point name from a file's name: `data/My Animals.csv` -> `My_Animals`. */
export function dataName(file: string): string {
  const stem = basename(file, extname(file)).replace(/[^A-Za-z0-9_.-]/g, "_");
  return stem === "" ? "data" : stem;
}

/** Reads and checks one file (the only I/O here is reading it). */
export function loadUserData(file: string, opts: UserDataOptions): UserDataset {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new UserDataError(file, undefined, `cannot read the data file (${code})`);
  }
  return parseUserData(bytes, file, opts);
}

interface Row {
  readonly line: number;
  readonly x: string;
  readonly label: string;
  readonly split?: string;
}

const SPLITS = ["train", "val", "test"] as const;
const shown = (s: string, max = 40) => JSON.stringify(s.length > max ? `${s.slice(0, max)}...` : s);

/** Parses and checks a file's bytes (pure): the splits and the facts, or a UserDataError. */
export function parseUserData(bytes: Buffer, file: string, opts: UserDataOptions): UserDataset {
  const format = formatOf(file, opts.format);
  const text = decodeUtf8(bytes, file);
  if (text.trim() === "") throw new UserDataError(file, 1, "the file is empty");
  const splitCol = opts.splitCol ?? "split";
  const { rows, hasSplit } =
    format === "jsonl"
      ? jsonlRows(text, file, opts.inputCol, opts.labelCol, splitCol)
      : delimitedRows(text, file, format, opts.inputCol, opts.labelCol, splitCol);
  if (rows.length === 0) throw new UserDataError(file, 2, "no examples (only a header)");

  // One label per input: the same input twice with different labels has no rule to learn.
  const seen = new Map<string, Row>();
  for (const r of rows) {
    const before = seen.get(r.x);
    if (before === undefined) seen.set(r.x, r);
    else if (before.label !== r.label) {
      throw new UserDataError(
        file,
        r.line,
        `the input ${shown(r.x)} is labelled ${shown(r.label)} here and ${shown(before.label)} on line ${before.line}`,
      );
    }
  }
  const labels = [...new Set(rows.map((r) => r.label))].sort();
  if (labels.length < 2) {
    throw new UserDataError(
      file,
      rows[rows.length - 1]!.line,
      `one class only: every label is ${shown(labels[0] ?? "")} (lines ${rows[0]!.line}-${rows[rows.length - 1]!.line}), nothing to learn`,
    );
  }
  if (labels.length > MAX_LABELS) {
    throw new UserDataError(
      file,
      undefined,
      `${labels.length} distinct labels: at most ${MAX_LABELS} classes are supported (is --label-col the right column?)`,
    );
  }
  const binary = isBinaryLabelTexts(labels); // two classes at least, checked above
  const toExample = (r: Row): Example => ({ x: r.x, y: labelOf(r.label, binary) });

  let splits: Splits;
  if (hasSplit) {
    const by: Record<(typeof SPLITS)[number], Example[]> = { train: [], val: [], test: [] };
    for (const r of rows) by[r.split as (typeof SPLITS)[number]].push(toExample(r));
    for (const s of SPLITS) {
      if (by[s].length === 0)
        throw new UserDataError(file, undefined, `the ${splitCol} column names no '${s}' example`);
    }
    splits = by;
  } else {
    splits = stratifiedSplit(rows, labels, file, opts, toExample);
  }

  const lengths = rows.map((r) => codePoints(r.x));
  const alphabet = [...new Set(rows.flatMap((r) => [...r.x]))].sort(byCodePoint);
  return {
    facts: {
      file,
      name: dataName(file),
      format,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      examples: rows.length,
      labelKind: binary ? "binary" : "classes",
      labels,
      alphabet,
      minLength: Math.min(...lengths),
      maxLength: Math.max(...lengths),
      split: hasSplit ? "column" : "seeded",
      sizes: { train: splits.train.length, val: splits.val.length, test: splits.test.length },
    },
    splits,
  };
}

const codePoints = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

const byCodePoint = (a: string, b: string): number => a.codePointAt(0)! - b.codePointAt(0)!;

/** The text of a file that must be UTF-8; a bad byte names its line. A leading BOM is dropped. */
function decodeUtf8(bytes: Buffer, file: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    let line = 1;
    let start = 0;
    for (;;) {
      const nl = bytes.indexOf(0x0a, start);
      const end = nl < 0 ? bytes.length : nl;
      try {
        new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(start, end));
      } catch {
        throw new UserDataError(file, line, "not valid UTF-8 (the file must be UTF-8 text)");
      }
      if (nl < 0) break;
      start = nl + 1;
      line++;
    }
    throw new UserDataError(file, undefined, "not valid UTF-8 (the file must be UTF-8 text)");
  }
}

/** A label's canonical text (`labelText` of core), or the error naming file, line and column. */
function readLabel(value: unknown, file: string, line: number, col: string): string {
  const t = labelText(value);
  if (t === undefined)
    throw new UserDataError(
      file,
      line,
      `the ${col} must be an integer or a string, got ${JSON.stringify(value) ?? String(value)}`,
    );
  if (t === "") throw new UserDataError(file, line, `the ${col} is empty`);
  return t;
}

function splitText(value: unknown, file: string, line: number, col: string): string {
  const t = typeof value === "string" ? value.trim() : "";
  if (!(SPLITS as readonly string[]).includes(t)) {
    throw new UserDataError(
      file,
      line,
      `the ${col} must be train, val or test, got ${JSON.stringify(value) ?? String(value)}`,
    );
  }
  return t;
}

function jsonlRows(
  text: string,
  file: string,
  inputCol: string,
  labelCol: string,
  splitCol: string,
): { rows: Row[]; hasSplit: boolean } {
  const rows: Row[] = [];
  let hasSplit: boolean | undefined;
  const lines = text.split("\n");
  for (const [i, raw] of lines.entries()) {
    const line = i + 1;
    const src = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (src.trim() === "") continue;
    let obj: unknown;
    try {
      obj = JSON.parse(src);
    } catch (err) {
      throw new UserDataError(file, line, `not a JSON object (${(err as Error).message})`);
    }
    if (obj === null || typeof obj !== "object" || Array.isArray(obj))
      throw new UserDataError(file, line, "not a JSON object");
    const o = obj as Record<string, unknown>;
    if (!Object.hasOwn(o, inputCol)) throw new UserDataError(file, line, `no '${inputCol}' field`);
    if (!Object.hasOwn(o, labelCol)) throw new UserDataError(file, line, `no '${labelCol}' field`);
    const x = o[inputCol];
    if (typeof x !== "string")
      throw new UserDataError(
        file,
        line,
        `the '${inputCol}' field must be a string, got ${JSON.stringify(x)}`,
      );
    const here = Object.hasOwn(o, splitCol);
    if (hasSplit !== undefined && here !== hasSplit)
      throw new UserDataError(
        file,
        line,
        `the '${splitCol}' field is ${here ? "here but not on the lines before" : "missing here but on the lines before"}`,
      );
    hasSplit = here;
    const label = readLabel(o[labelCol], file, line, `'${labelCol}' field`);
    rows.push({
      line,
      x,
      label,
      ...(here ? { split: splitText(o[splitCol], file, line, `'${splitCol}' field`) } : {}),
    });
  }
  return { rows, hasSplit: hasSplit ?? false };
}

function delimitedRows(
  text: string,
  file: string,
  format: "csv" | "tsv",
  inputCol: string,
  labelCol: string,
  splitCol: string,
): { rows: Row[]; hasSplit: boolean } {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      info: true,
      bom: true,
      skip_empty_lines: true,
      delimiter: format === "csv" ? "," : "\t",
      // TSV has no quoting: a quote is an ordinary character (a tab or a newline cannot be carried).
      quote: format === "csv" ? '"' : false,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    if (err instanceof CsvError) {
      const line = (err as CsvError & { lines?: number }).lines;
      throw new UserDataError(file, line, `${format.toUpperCase()}: ${err.message}`);
    }
    throw err;
  }
  const [head, ...body] = records;
  if (head === undefined) throw new UserDataError(file, 1, "the file is empty");
  const header = head.record.map((h) => h.trim());
  const col = (name: string) => header.indexOf(name);
  const have = `the header has ${header.map((h) => JSON.stringify(h)).join(", ")}`;
  const xi = col(inputCol);
  const yi = col(labelCol);
  if (xi < 0) throw new UserDataError(file, 1, `no column '${inputCol}' (${have}; see --input-col)`);
  if (yi < 0) throw new UserDataError(file, 1, `no column '${labelCol}' (${have}; see --label-col)`);
  const si = col(splitCol);
  const rows: Row[] = body.map(({ record, info }) => {
    const line = info.lines;
    const x = record[xi]!;
    if (/[\r\n]/.test(x))
      throw new UserDataError(
        file,
        line,
        `the input holds a line break, which ${format.toUpperCase()} lines here cannot carry: use JSONL ("\\n" in a JSON string)`,
      );
    if (x.includes("\u0000"))
      throw new UserDataError(
        file,
        line,
        `the input holds a NUL character, which ${format.toUpperCase()} cannot carry: use JSONL ("\\u0000" in a JSON string)`,
      );
    const label = readLabel(record[yi], file, line, `'${labelCol}' column`);
    return {
      line,
      x,
      label,
      ...(si >= 0 ? { split: splitText(record[si], file, line, `'${splitCol}' column`) } : {}),
    };
  });
  return { rows, hasSplit: si >= 0 };
}

/**
 * Without a split column: per label, the examples shuffled with --seed; train and val take each
 * label's share of their size (largest remainders, never more than a label has left); the rest is test.
 * Each split is then shuffled, so labels interleave.
 */
function stratifiedSplit(
  rows: readonly Row[],
  labels: readonly string[],
  file: string,
  opts: UserDataOptions,
  toExample: (r: Row) => Example,
): Splits {
  const n = rows.length;
  if (opts.trainSize < 1 || opts.valSize < 1)
    throw new UserDataError(file, undefined, "--train-size and --val-size must be at least 1 with --data");
  if (n < opts.trainSize + opts.valSize + 1) {
    throw new UserDataError(
      file,
      undefined,
      `${n} examples, fewer than --train-size ${opts.trainSize} + --val-size ${opts.valSize} + at least 1 for test`,
    );
  }
  const rng = createRandom(opts.seed);
  const groups = labels.map((l) => rng.shuffle(rows.filter((r) => r.label === l)));
  const counts = groups.map((g) => g.length);
  const train = allocate(opts.trainSize, counts, counts, n);
  const left = counts.map((c, i) => c - train[i]!);
  const val = allocate(opts.valSize, counts, left, n);
  const out: Record<(typeof SPLITS)[number], Row[]> = { train: [], val: [], test: [] };
  groups.forEach((g, i) => {
    out.train.push(...g.slice(0, train[i]));
    out.val.push(...g.slice(train[i], train[i]! + val[i]!));
    out.test.push(...g.slice(train[i]! + val[i]!));
  });
  const mixed = (rs: Row[]) => shuffleRows(rng, rs).map(toExample);
  return { train: mixed(out.train), val: mixed(out.val), test: mixed(out.test) };
}

const shuffleRows = (rng: RandomSource, rs: Row[]): Row[] => rng.shuffle(rs);

/**
 * `total` shared among groups in proportion to `weights` (summing to `n`), each at most its `caps`:
 * floors first, then one more each by the largest remainder (ties: the earlier label).
 */
export function allocate(
  total: number,
  weights: readonly number[],
  caps: readonly number[],
  n: number,
): number[] {
  const exact = weights.map((w) => (total * w) / n);
  const take = exact.map((e, i) => Math.min(Math.floor(e), caps[i]!));
  let left = total - take.reduce((a, b) => a + b, 0);
  while (left > 0) {
    let best = -1;
    for (let i = 0; i < take.length; i++) {
      if (take[i]! >= caps[i]!) continue;
      if (best < 0 || exact[i]! - take[i]! > exact[best]! - take[best]!) best = i;
    }
    if (best < 0) break;
    take[best] = take[best]! + 1;
    left--;
  }
  return take;
}
