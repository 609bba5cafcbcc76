import { z } from "zod";

export const UsageSchema = z.object({
  input_tokens: z.number(),
  output_tokens: z.number(),
  total_tokens: z.number(),
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  cached_tokens: z.number(),
  reasoning_tokens: z.number(),
  /** Set only by providers that report them (cache writes: Anthropic; tool-use prompt: Gemini). */
  cache_write_tokens: z.number().optional(),
  tool_use_tokens: z.number().optional(),
});

/**
 * The version of the attempt record's layout, written in every record (`schema_version`). Records
 * without it are version 1 (before the field existed) and read as they are. 2: adds schema_version,
 * spend_estimated and estimated_tokens. 3: adds split_outcomes and trial.
 */
export const ATTEMPT_RECORD_SCHEMA_VERSION = 3;

/** How one split's run ended (each split is scored under its own limits; a finished one keeps its score). */
const SplitOutcomeSchema = z.object({ kind: z.string(), message: z.string() });

/**
 * One line of results_attempts.jsonl: the paper's facts (same names as its CSV columns, plus the whole
 * usage object and `error` for a failed call), and ours: who proposed it, under which run config, how
 * the candidate ended, train accuracy, cost. Read back with this schema on resume and in `report`.
 */
export const AttemptRecordSchema = z.object({
  /** Absent in records written before it existed (version 1). */
  schema_version: z.number().int().positive().optional(),
  fn: z.string(),
  length: z.number().int(),
  /** --trials: the trial (2, 3, ...); absent for trial 1. */
  trial: z.number().int().positive().optional(),
  attempt: z.number().int().positive(),
  prompt: z.string(),
  text: z.string(),
  duration_ms: z.number(),
  cached_tokens: z.number(),
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  reasoning_tokens: z.number(),
  tool_uses: z.number(),
  tool_results_chars: z.number(),
  /** null when there was nothing to score (the call failed). */
  val_acc: z.number().nullable(),
  /** null when not scored (call failed, or --test-selected-only and not selected). */
  test_acc: z.number().nullable(),
  stopped_early: z.boolean(),
  compile_error: z.string(),
  usage: UsageSchema,
  error: z.string().optional(),
  incomplete_reason: z.string().optional(),
  // ours
  proposer: z.string(),
  config_fingerprint: z.string(),
  train_acc: z.number().nullable(),
  outcome: z.string(),
  outcome_message: z.string(),
  /** Per split verified (version 3 on): e.g. train and val ok, test timeout. */
  split_outcomes: z
    .object({ train: SplitOutcomeSchema, val: SplitOutcomeSchema, test: SplitOutcomeSchema })
    .partial()
    .optional(),
  verify_ms: z.number(),
  cost_usd: z.number().nullable(),
  /**
   * The call may have been billed but reported no usage (a timeout, a dropped connection): `cost_usd`
   * and `estimated_tokens` are the worst case reserved for it (the prompt estimate plus every
   * `max_output_tokens`), counted by the budgets; `usage` holds only what was reported.
   */
  spend_estimated: z.literal(true).optional(),
  estimated_tokens: z.number().optional(),
  /** Verified by a later step (test of the selected program with --test-selected-only). */
  test_scored_later: z.boolean().optional(),
  meta: z.record(z.string(), z.unknown()).optional(),
  ts: z.string(),
});
export type AttemptRecord = z.infer<typeof AttemptRecordSchema>;

/** The paper's CSV columns, in its order. */
export const PAPER_CSV_COLUMNS = [
  "fn",
  "length",
  "attempt",
  "prompt",
  "text",
  "duration_ms",
  "cached_tokens",
  "prompt_tokens",
  "completion_tokens",
  "reasoning_tokens",
  "tool_uses",
  "tool_results_chars",
  "val_acc",
  "test_acc",
  "stopped_early",
  "compile_error",
] as const;

/** Our extra CSV columns, after the paper's. */
export const EXTRA_CSV_COLUMNS = [
  "proposer",
  "train_acc",
  "outcome",
  "outcome_message",
  "error",
  "incomplete_reason",
  "input_tokens",
  "output_tokens",
  "total_tokens",
  "cost_usd",
  "verify_ms",
  "config_fingerprint",
  "ts",
  "spend_estimated",
  "split_outcomes",
] as const;

export const CSV_COLUMNS = [...PAPER_CSV_COLUMNS, ...EXTRA_CSV_COLUMNS] as const;

/** A record flattened to CSV cells (null/undefined -> empty; booleans as the Python runner's True/False). */
export function toCsvRow(r: AttemptRecord): Record<(typeof CSV_COLUMNS)[number], string | number> {
  const cell = (v: unknown): string | number =>
    v === null || v === undefined
      ? ""
      : typeof v === "boolean"
        ? v
          ? "True"
          : "False"
        : (v as string | number);
  return {
    fn: r.fn,
    length: r.length,
    attempt: r.attempt,
    prompt: r.prompt,
    text: r.text,
    duration_ms: Math.round(r.duration_ms),
    cached_tokens: r.cached_tokens,
    prompt_tokens: r.prompt_tokens,
    completion_tokens: r.completion_tokens,
    reasoning_tokens: r.reasoning_tokens,
    tool_uses: r.tool_uses,
    tool_results_chars: r.tool_results_chars,
    val_acc: cell(r.val_acc),
    test_acc: cell(r.test_acc),
    stopped_early: cell(r.stopped_early),
    compile_error: r.compile_error,
    proposer: r.proposer,
    train_acc: cell(r.train_acc),
    outcome: r.outcome,
    outcome_message: r.outcome_message,
    error: cell(r.error),
    incomplete_reason: cell(r.incomplete_reason),
    input_tokens: r.usage.input_tokens,
    output_tokens: r.usage.output_tokens,
    total_tokens: r.usage.total_tokens,
    cost_usd: cell(r.cost_usd === null ? null : Number(r.cost_usd.toFixed(6))),
    verify_ms: Math.round(r.verify_ms),
    config_fingerprint: r.config_fingerprint,
    ts: r.ts,
    spend_estimated: cell(r.spend_estimated),
    split_outcomes: r.split_outcomes
      ? Object.entries(r.split_outcomes)
          .map(([split, o]) => `${split}=${o.kind}`)
          .join(" ")
      : "",
  };
}
