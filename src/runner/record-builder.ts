/**
 * The record builder: one proposal, extracted and verified, as the attempt record the JSONL keeps.
 * Three endings: the call failed (call_error, nothing to verify), the answer held no code
 * (no_code_found), or the sandbox scored the program (its outcome and accuracies).
 */
import { type CallSpend, spendFields } from "../artifacts/answer-record.js";
import { ATTEMPT_RECORD_SCHEMA_VERSION, type AttemptRecord } from "../artifacts/attempt-record.js";
import type { Splits } from "../core/example.js";
import { type GridPoint, trialOf } from "../core/grid.js";
import type { Proposal } from "../proposer/proposer.js";
import { ZERO_USAGE } from "../proposer/usage.js";
import type { CodeExtraction, Verifier, VerifyResult } from "../verify/types.js";

/** `{trial}` for trials 2 and up; nothing for trial 1 (its records look like a run without --trials). */
export const trialField = (p: GridPoint): { trial?: number } => (trialOf(p) > 1 ? { trial: trialOf(p) } : {});

/** Who asked for a proposal: the attempt of a grid point, under which proposer and config. */
export interface AttemptContext {
  readonly point: GridPoint;
  readonly attempt: number;
  readonly prompt: string;
  readonly proposer: string;
  readonly fingerprint: string;
}

/** What the sandbox needs to score a proposal. */
export interface ScoringDeps {
  readonly splits: Splits;
  readonly verifier: Verifier;
  readonly extractCode: (text: string) => CodeExtraction;
  /** Test is scored later, for the selected program only: every record here leaves it null. */
  readonly testSelectedOnly: boolean;
}

/** The fields every record has, whatever the verification said. */
export type RecordBase = Omit<
  AttemptRecord,
  | "val_acc"
  | "test_acc"
  | "train_acc"
  | "stopped_early"
  | "compile_error"
  | "error"
  | "outcome"
  | "outcome_message"
  | "split_outcomes"
  | "verify_ms"
>;

/** Outcomes where the candidate never became a callable function (the paper's compile_error). */
const COMPILE_KINDS = new Set(["syntax_error", "no_function", "import_error", "module_error"]);

export function recordBase(
  ctx: AttemptContext,
  proposal: Proposal,
  spend: CallSpend,
  ts: string,
): RecordBase {
  const usage = proposal.usage ?? ZERO_USAGE;
  return {
    schema_version: ATTEMPT_RECORD_SCHEMA_VERSION,
    fn: ctx.point.fn,
    length: ctx.point.length,
    ...trialField(ctx.point),
    attempt: ctx.attempt,
    prompt: ctx.prompt,
    text: proposal.text,
    duration_ms: proposal.durationMs,
    cached_tokens: usage.cached_tokens,
    prompt_tokens: usage.prompt_tokens,
    completion_tokens: usage.completion_tokens,
    reasoning_tokens: usage.reasoning_tokens,
    tool_uses: proposal.toolUses ?? 0,
    tool_results_chars: proposal.toolResultsChars ?? 0,
    usage,
    proposer: ctx.proposer,
    config_fingerprint: ctx.fingerprint,
    ...spendFields(spend),
    ...(proposal.incompleteReason !== undefined ? { incomplete_reason: proposal.incompleteReason } : {}),
    ...(proposal.meta ? { meta: { ...proposal.meta } } : {}),
    ts,
  };
}

/** The call failed after its retries: no program, no accuracy. */
export function callErrorRecord(base: RecordBase, error: string): AttemptRecord {
  return {
    ...base,
    val_acc: null,
    test_acc: null,
    train_acc: null,
    stopped_early: false,
    compile_error: "",
    error,
    outcome: "call_error",
    outcome_message: error,
    verify_ms: 0,
  };
}

/** An answer without a program scores 0 on every split it would have been scored on. */
export function noCodeRecord(base: RecordBase, reason: string, testSelectedOnly: boolean): AttemptRecord {
  return {
    ...base,
    val_acc: 0,
    test_acc: testSelectedOnly ? null : 0,
    train_acc: 0,
    stopped_early: false,
    compile_error: `no_code_found: ${reason}`,
    outcome: "no_code_found",
    outcome_message: reason,
    verify_ms: 0,
  };
}

/** A verified program: its accuracies (0 for a split not scored), its outcome, early stop at val 1.0. */
export function verifiedRecord(
  base: RecordBase,
  result: VerifyResult,
  testSelectedOnly: boolean,
): AttemptRecord {
  const acc = (s: "train" | "val" | "test") => result.scores[s]?.accuracy ?? 0;
  const val = acc("val");
  return {
    ...base,
    val_acc: val,
    test_acc: testSelectedOnly ? null : acc("test"),
    train_acc: acc("train"),
    stopped_early: val === 1,
    compile_error: COMPILE_KINDS.has(result.kind) ? `${result.kind}: ${result.message}` : "",
    outcome: result.kind,
    outcome_message: result.message,
    ...(result.splitOutcomes ? { split_outcomes: result.splitOutcomes } : {}),
    verify_ms: result.durationMs,
  };
}

/** Extraction and verification of one proposal, as an attempt record. A verifier that throws is a sandbox_error. */
export async function scoreAttempt(
  ctx: AttemptContext,
  proposal: Proposal,
  spend: CallSpend,
  deps: ScoringDeps,
): Promise<AttemptRecord> {
  const base = recordBase(ctx, proposal, spend, new Date().toISOString());
  if (proposal.error !== undefined) return callErrorRecord(base, proposal.error);
  const extraction = deps.extractCode(proposal.text);
  if (!extraction.ok) return noCodeRecord(base, extraction.reason, deps.testSelectedOnly);
  const { train, val, test } = deps.splits;
  const splits = deps.testSelectedOnly ? { train, val } : { train, val, test };
  let result: VerifyResult;
  try {
    result = await deps.verifier.verify({ code: extraction.code, splits });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    result = { kind: "sandbox_error", message, scores: {}, durationMs: 0 };
  }
  return verifiedRecord(base, result, deps.testSelectedOnly);
}
