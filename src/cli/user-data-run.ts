import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { type Command, Option } from "commander";
import { z } from "zod";
import { UsageError } from "../core/errors.js";
import type { Example } from "../core/example.js";
import type { GridPoint } from "../core/grid.js";
import type { GridOptions } from "../core/grid-options.js";
import {
  DATA_FORMATS,
  type DataFormat,
  loadUserData,
  type UserDataFacts,
  type UserDataset,
} from "../dataset/user-data.js";
import { buildUserPrompt, checkTemplate, renderTemplate } from "../prompt/user-prompt.js";

/**
 * `run --data FILE...`: each file is one grid point, `fn` = `data:<name>` (the file's name without
 * directory or extension) and `length` = its longest input (docs/data.md, "Grid points"). Every file is
 * read and checked before anything is written.
 */
export interface UserDataRun {
  readonly datasets: readonly UserDataset[];
  /** One point per file, in the order given. */
  readonly points: readonly GridPoint[];
  /** What enters the config fingerprint: each file's content hash and how it was read. */
  readonly fingerprint: readonly Record<string, unknown>[];
  /** The run manifest's `user_data`: each file's facts. */
  readonly manifest: readonly UserDataFacts[];
  datasetOf(point: GridPoint): UserDataset;
}

export const DATA_FN_PREFIX = "data:";

/** `--data` and how its files are read: the same flags on `run` and `datasets audit`. */
export function addDataOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        "--data <files...>",
        "your own labelled strings instead of the built-in grid: CSV, TSV or JSONL files with columns input, label and an optional split (train/val/test); each file is a grid point (docs/data.md)",
      ),
    )
    .addOption(
      new Option(
        "--data-format <format>",
        "csv | tsv | jsonl (default: from each file's extension)",
      ).argParser((value: string) => {
        if (!(DATA_FORMATS as readonly string[]).includes(value))
          throw new UsageError(`--data-format: expected one of ${DATA_FORMATS.join(", ")}, got '${value}'`);
        return value;
      }),
    )
    .addOption(
      new Option("--input-col <name>", "the --data column (JSONL: field) of the inputs (default: input)"),
    )
    .addOption(
      new Option("--label-col <name>", "the --data column (JSONL: field) of the labels (default: label)"),
    )
    .addOption(
      new Option(
        "--split-col <name>",
        "the --data column (JSONL: field) naming each example's split, train/val/test (default: split; without it: a seeded stratified split by --train-size/--val-size, the rest test)",
      ),
    );
}

/** `--data` and its companions as commander parsed them (what they mean is `readUserDataRun`'s to check). */
export const DataFlagsSchema = z.object({
  data: z.array(z.string()).optional(),
  dataFormat: z.string().optional(),
  inputCol: z.string().optional(),
  labelCol: z.string().optional(),
  splitCol: z.string().optional(),
});
export type DataFlags = z.infer<typeof DataFlagsSchema>;

const flagName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** The `--data` flags out of commander's options (a UsageError naming the flag if one is not text). */
export function readDataFlags(opts: Record<string, unknown>): DataFlags {
  const parsed = DataFlagsSchema.safeParse(opts);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`${flagName(String(issue.path[0] ?? ""))}: ${issue.message}`);
  }
  return parsed.data;
}

/** Reads `--data` and its companions; undefined without `--data`. Throws a UsageError (exit 2). */
export function readUserDataRun(flags: DataFlags, grid: GridOptions): UserDataRun | undefined {
  const files = flags.data;
  if (files === undefined) {
    for (const flag of ["dataFormat", "inputCol", "labelCol", "splitCol"] as const) {
      if (flags[flag] !== undefined) throw new UsageError(`${flagName(flag)} needs --data`);
    }
    return undefined;
  }
  if (grid.functions !== undefined || grid.lengths !== undefined)
    throw new UsageError("--data replaces the built-in grid: drop --functions and --lengths");
  const format = flags.dataFormat as DataFormat | undefined;
  if (format !== undefined && !DATA_FORMATS.includes(format))
    throw new UsageError(`--data-format: expected one of ${DATA_FORMATS.join(", ")}, got '${format}'`);
  const inputCol = flags.inputCol ?? "input";
  const labelCol = flags.labelCol ?? "label";
  const splitCol = flags.splitCol ?? "split";
  const datasets = files.map((file) =>
    loadUserData(file, {
      ...(format ? { format } : {}),
      inputCol,
      labelCol,
      splitCol,
      trainSize: grid.trainSize,
      valSize: grid.valSize,
      seed: grid.seed,
    }),
  );
  const byFn = new Map<string, UserDataset>();
  for (const d of datasets) {
    const fn = DATA_FN_PREFIX + d.facts.name;
    const other = byFn.get(fn);
    if (other)
      throw new UsageError(
        `--data: ${other.facts.file} and ${d.facts.file} are both named '${d.facts.name}' (grid points are named by file name): rename one`,
      );
    byFn.set(fn, d);
  }
  return {
    datasets,
    points: datasets.map((d) => ({ fn: DATA_FN_PREFIX + d.facts.name, length: d.facts.maxLength })),
    fingerprint: datasets.map((d) => ({
      name: d.facts.name,
      sha256: d.facts.sha256,
      format: d.facts.format,
      input_col: inputCol,
      label_col: labelCol,
      split: d.facts.split === "column" ? splitCol : "seeded",
    })),
    manifest: datasets.map((d) => d.facts),
    datasetOf(point) {
      const d = byFn.get(point.fn);
      if (!d) throw new Error(`no data file for grid point ${point.fn}`);
      return d;
    },
  };
}

/** A `--prompt-template` file: its name, its text (placeholders checked) and its SHA-256. */
export interface PromptTemplate {
  readonly file: string;
  readonly text: string;
  readonly sha256: string;
}

/** `--prompt-template FILE` read and checked; undefined without the flag. */
export function readPromptTemplate(file: string | undefined): PromptTemplate | undefined {
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new UsageError(`--prompt-template: cannot read ${file} (${code})`);
  }
  checkTemplate(text, file);
  return { file, text, sha256: createHash("sha256").update(text).digest("hex") };
}

/** A user's grid point's prompt: the template when given, else the paper's wording adapted. */
export function userPrompt(train: readonly Example[], template?: { readonly text: string }): string {
  return template ? renderTemplate(template.text, train) : buildUserPrompt(train);
}
