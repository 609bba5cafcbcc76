/**
 * What `learn` accepts, checked with zod before anything starts: the examples (a string input and a
 * label each), the attempt counts and the options that name a proposer, a sandbox tier or a budget. A
 * problem is a `LearnInputError` listing every issue by path (`train[3].y: ...`).
 */
import { z } from "zod";
import { UsageError } from "../core/errors.js";
import { type Example, isBinaryLabelTexts, labelOf, labelText } from "../core/example.js";
import { REASONING_EFFORTS, VERBOSITIES } from "../proposer/request-options.js";
import { MAX_CLASSES } from "../verify/protocol.js";
import { SANDBOX_CHOICES } from "../verify/sandbox-launch.js";

/**
 * One labelled example as a caller gives it. The label is 0/1 (a binary rule, scored as the paper
 * scores) or a class: an integer or a string, compared with `str(f(x))` exactly (see `toSplits`).
 */
export interface LearnExample {
  readonly x: string;
  readonly y: number | string;
}

/** One problem with `learn`'s input: where (`train[3].y`, `attempts`) and what. */
export interface LearnInputIssue {
  readonly path: string;
  readonly message: string;
}

/** `learn` was given something it cannot use; nothing was started. Lists every issue found. */
export class LearnInputError extends UsageError {
  override readonly name: string = "LearnInputError";
  constructor(readonly issues: readonly LearnInputIssue[]) {
    super(
      `learn: ${issues
        .slice(0, 5)
        .map((i) => (i.path ? `${i.path}: ${i.message}` : i.message))
        .join("; ")}${issues.length > 5 ? ` (and ${issues.length - 5} more)` : ""}`,
    );
  }
}

const ExampleSchema = z.object(
  {
    x: z.string({ error: "must be a string (the input)" }),
    // any number or string here (Infinity, NaN included): the label check below says what is allowed
    y: z.custom<number | string>((v) => typeof v === "number" || typeof v === "string", {
      error: "must be a number or a string (the label)",
    }),
  },
  { error: "must be an object { x: string, y: number | string }" },
);

const examples = (name: string, min: number) =>
  z
    .array(ExampleSchema, { error: `must be an array of { x, y } examples` })
    .min(min, { error: min === 1 ? `is empty: give at least one ${name} example` : "too short" });

const fn = (what: string) =>
  z.custom<(...args: never[]) => unknown>((v) => typeof v === "function", { error: `must be ${what}` });

const object = (what: string, check: (v: Record<string, unknown>) => boolean) =>
  z.custom<object>((v) => typeof v === "object" && v !== null && check(v as Record<string, unknown>), {
    error: `must be ${what}`,
  });

/** The options' schema; functions and objects the caller passes are checked by shape only. */
export const LearnOptionsSchema = z.strictObject({
  train: examples("train", 1),
  val: examples("val", 1),
  test: examples("test", 0).optional(),
  attempts: z.number().int().min(1).max(100_000).optional(),
  batch: z.number().int().min(1).max(1000).optional(),
  proposer: object(
    "a Proposer ({ id: string, open(ctx) })",
    (v) => typeof v.id === "string" && typeof v.open === "function",
  ).optional(),
  provider: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  apiKey: z.string().min(1).optional(),
  baseURL: z.string().min(1).optional(),
  env: z.record(z.string(), z.string().optional()).optional(),
  maxOutputTokens: z.number().int().positive().optional(),
  reasoningEffort: z.enum(REASONING_EFFORTS).optional(),
  verbosity: z.enum(VERBOSITIES).optional(),
  thinkingBudget: z.number().int().positive().optional(),
  timeoutS: z.number().positive().optional(),
  preflight: z.boolean().optional(),
  maxCostUsd: z.number().positive().optional(),
  maxTokens: z.number().int().positive().optional(),
  enumeration: z
    .strictObject({
      maxPrograms: z.number().int().positive().optional(),
      maxSeconds: z.number().positive().optional(),
      maxSize: z.number().int().min(1).max(255).optional(),
    })
    .optional(),
  sandbox: z.enum(SANDBOX_CHOICES as readonly ["auto", "bubblewrap", "unshare", "rlimits"]).optional(),
  python: z.string().min(1).optional(),
  verifier: object("a Verifier ({ verify(job), close() })", (v) => typeof v.verify === "function").optional(),
  prompt: z.string().optional(),
  outDir: z.string().min(1).optional(),
  signal: z
    .custom<AbortSignal>((v) => v instanceof AbortSignal, { error: "must be an AbortSignal" })
    .optional(),
  onProgress: fn("a function (event) => void").optional(),
});

/** `train[3].y` from zod's path. */
export function pathText(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

/** A label `learn` can carry: a safe integer, or a string with something besides spaces. */
export function checkLabel(y: number | string, path: string): LearnInputIssue | null {
  const t = labelText(y);
  if (t === undefined)
    return { path, message: `label ${y}: a number label must be an integer (0/1, or a class)` };
  if (t === "") return { path, message: "label is empty: a string label names a class" };
  return null;
}

/** Zod's issues and the label check, as LearnInputIssues (empty: the input is usable). */
export function learnInputIssues(input: unknown): LearnInputIssue[] {
  const parsed = LearnOptionsSchema.safeParse(input);
  const issues: LearnInputIssue[] = parsed.success
    ? []
    : parsed.error.issues.map((i) => ({
        path: pathText(i.path),
        message:
          i.code === "unrecognized_keys"
            ? `unknown option(s) ${i.keys.map((k) => `'${k}'`).join(", ")}`
            : i.message,
      }));
  // Labels of the right type but unusable, whatever else is wrong (zod reports the wrong types).
  const record = typeof input === "object" && input !== null ? (input as Record<string, unknown>) : {};
  const labels = new Set<string>();
  for (const split of ["train", "val", "test"] as const) {
    const list = record[split];
    if (!Array.isArray(list)) continue;
    for (const [i, e] of list.entries()) {
      const y: unknown = typeof e === "object" && e !== null ? (e as { y?: unknown }).y : undefined;
      if (typeof y !== "number" && typeof y !== "string") continue;
      const issue = checkLabel(y, `${split}[${i}].y`);
      if (issue) issues.push(issue);
      else labels.add(labelText(y) ?? "");
    }
  }
  if (labels.size > MAX_CLASSES)
    issues.push({
      path: "",
      message: `${labels.size} distinct labels: at most ${MAX_CLASSES} classes can be scored`,
    });
  return issues;
}

/**
 * The examples as the runner holds them; call after `learnInputIssues` found none. When every label of
 * every split is 0 or 1 (numbers or their texts) they are the binary labels 0 | 1; otherwise each is
 * its class's canonical text (`2` and `"2"` are the same class) and a program is right when `str(f(x))`
 * equals it.
 */
export function toSplits(
  splits: Readonly<Record<"train" | "val" | "test", readonly LearnExample[]>>,
): Record<"train" | "val" | "test", Example[]> {
  const text = (e: LearnExample): string => labelText(e.y) ?? "";
  const binary = isBinaryLabelTexts([...splits.train, ...splits.val, ...splits.test].map(text));
  const convert = (list: readonly LearnExample[]): Example[] =>
    list.map((e) => ({ x: e.x, y: labelOf(text(e), binary) }));
  return { train: convert(splits.train), val: convert(splits.val), test: convert(splits.test) };
}
