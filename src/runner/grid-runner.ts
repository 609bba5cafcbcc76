import { setMaxListeners } from "node:events";
import pLimit from "p-limit";
import {
  type AnswerRecord,
  answerOfProposal,
  type CallSpend,
  proposalOfAnswer,
  spendFields,
  spendOf,
} from "../artifacts/answer-record.js";
import { ATTEMPT_RECORD_SCHEMA_VERSION, type AttemptRecord } from "../artifacts/attempt-record.js";
import type { Splits } from "../core/example.js";
import { type GridPoint, gridPointKey, trialOf } from "../core/grid.js";
import {
  CallAbortedError,
  type Proposal,
  type Proposer,
  type ProposerSession,
  type Usage,
} from "../proposer/proposer.js";
import { addUsage, ZERO_USAGE } from "../proposer/usage.js";
import type { CodeExtraction, Verifier, VerifyResult } from "../verify/types.js";
import type { Budget } from "./budget.js";
import { selectErm } from "./selection.js";

/** What a grid point needs before its first call: its data and the prompt (never the label function). */
export interface PreparedPoint {
  readonly splits: Splits;
  readonly prompt: string;
}

/** pino-compatible structured logger (runner.log). */
export interface RunLogger {
  info(obj: Record<string, unknown>, msg?: string): void;
  warn(obj: Record<string, unknown>, msg?: string): void;
  error(obj: Record<string, unknown>, msg?: string): void;
}

export interface ProgressState {
  readonly pointsTotal: number;
  readonly pointsDone: number;
  readonly solved: number;
  readonly inFlight: number;
  readonly attempts: number;
  readonly calls: number;
  readonly usage: Usage;
  readonly costUsd: number;
  readonly elapsedMs: number;
  /** null until a grid point has finished in this invocation. */
  readonly etaMs: number | null;
  /** Grid points being worked on now, in the order they started. */
  readonly active: readonly ActivePoint[];
  /** Grid points finished in this invocation, most recent first (at most 5). */
  readonly recent: readonly FinishedPoint[];
}

export interface ActivePoint {
  readonly fn: string;
  readonly length: number;
  /** The highest attempt started (0 before the first call). */
  readonly attempt: number;
  readonly attempts: number;
  /** waiting: for a call slot; proposing: a call (or search) in flight; verifying: in the sandbox. */
  readonly phase: "waiting" | "proposing" | "verifying";
  /** Since the grid point started in this invocation. */
  readonly elapsedMs: number;
  readonly bestVal: number | null;
}

export interface FinishedPoint {
  readonly fn: string;
  readonly length: number;
  readonly solved: boolean;
  readonly attempts: number;
  readonly selectedAttempt: number | null;
  readonly val: number | null;
  readonly test: number | null;
  readonly elapsedMs: number;
}

export interface GridRunOptions {
  readonly points: readonly GridPoint[];
  readonly attempts: number;
  /** Proposer calls in flight across the grid (--concurrency). */
  readonly concurrency: number;
  /** Candidates drawn at once per grid point (--batch). */
  readonly batch: number;
  /** Score test only for the ERM-selected program (--test-selected-only). */
  readonly testSelectedOnly: boolean;
  readonly fingerprint: string;
}

export interface GridRunDeps {
  readonly proposer: Proposer;
  readonly verifier: Verifier;
  readonly extractCode: (text: string) => CodeExtraction;
  readonly prepare: (point: GridPoint) => Promise<PreparedPoint>;
  /** Durable append (fsync) of one record; awaited before the next decision. */
  readonly append: (record: AttemptRecord) => void | Promise<void>;
  /** Records already on disk with this run's fingerprint (latest per attempt). */
  readonly prior: readonly AttemptRecord[];
  /**
   * Durable write (fsync) of a proposer's answer the moment it arrives, before its verification:
   * awaited before the candidate goes to the sandbox, so a kill -9 while verifying loses no paid answer.
   */
  readonly appendAnswer?: (answer: AnswerRecord) => void | Promise<void>;
  /**
   * Answers on disk with this run's fingerprint whose attempt has no record (the run that received
   * them died while verifying): verified and recorded without asking the proposer again. Their
   * tokens and cost were spent: the caller's budget already counts them, as `prior` records.
   */
  readonly pendingAnswers?: readonly AnswerRecord[];
  readonly budget: Budget;
  /** A call cut before it answered, with what it may have cost (called before the attempt is dropped). */
  readonly onUnrecordedCall?: (call: UnrecordedCall) => void | Promise<void>;
  readonly logger: RunLogger;
  /** Aborted on Ctrl-C / SIGTERM: no new call starts, calls in flight are cancelled and not recorded. */
  readonly signal: AbortSignal;
  readonly onProgress?: (state: ProgressState) => void;
  readonly now?: () => number;
}

/**
 * A call cut before it answered (the early stop of a batch, Ctrl-C) that may have cost money: no
 * attempt is recorded for it, so its spend is reported on its own (the run manifest keeps it, so a
 * resumed budget counts it). `usage` is what the provider reported (null: unknown, and then
 * `estimated_tokens` and `cost_usd` are the call's reservation).
 */
export interface UnrecordedCall {
  readonly fn: string;
  readonly length: number;
  readonly attempt: number;
  readonly proposer: string;
  readonly config_fingerprint: string;
  readonly usage: Usage | null;
  readonly cost_usd: number | null;
  readonly estimated_tokens?: number;
  readonly response_id?: string;
  readonly ts: string;
}

export type GridRunStatus = "completed" | "budget" | "interrupted" | "failed";

export interface GridRunResult {
  readonly status: GridRunStatus;
  /** Latest record of every attempt of this fingerprint on the run's points, prior and new. */
  readonly records: AttemptRecord[];
  readonly newCalls: number;
  readonly failedPoints: readonly { point: GridPoint; error: string }[];
}

/** `{trial}` for trials 2 and up; nothing for trial 1 (its records look like a run without --trials). */
const trialField = (p: GridPoint): { trial?: number } => (trialOf(p) > 1 ? { trial: trialOf(p) } : {});

/** A rough token count for budget reservations before the first answer reports the real one. */
export const estimateInputTokens = (prompt: string): number => Math.ceil(prompt.length / 2);

/**
 * Runs the grid: grid points concurrently, at most `concurrency` proposer calls in flight; attempts
 * of a point sequential (or `batch` at a time), stopping early at validation accuracy 1.0. Each
 * finished attempt is appended durably before the next decision. Resumes from `prior`.
 */
export async function runGrid(opts: GridRunOptions, deps: GridRunDeps): Promise<GridRunResult> {
  const now = deps.now ?? (() => performance.now());
  // One abort listener per active grid point on the run's signal: not a leak.
  setMaxListeners(0, deps.signal);
  const started = now();
  const callLimit = pLimit(Math.max(1, opts.concurrency));
  const batch = Math.max(1, opts.batch);
  // Enough points active to keep every call slot busy while some verify; not all (datasets in memory).
  const pointLimit = pLimit(Math.ceil(opts.concurrency / batch) + 2);
  const byPoint = new Map<string, AttemptRecord[]>();
  for (const r of deps.prior) {
    const key = gridPointKey(r);
    const list = byPoint.get(key);
    if (list) list.push(r);
    else byPoint.set(key, [r]);
  }
  const wanted = new Set(opts.points.map(gridPointKey));
  let usage = ZERO_USAGE;
  let costUsd = 0;
  for (const r of deps.prior) {
    if (!wanted.has(gridPointKey(r))) continue;
    usage = addUsage(usage, r.usage);
    costUsd += r.cost_usd ?? 0;
  }
  const answersByPoint = new Map<string, Map<number, AnswerRecord>>();
  for (const a of deps.pendingAnswers ?? []) {
    const key = gridPointKey(a);
    if (!wanted.has(key) || a.config_fingerprint !== opts.fingerprint) continue;
    const m = answersByPoint.get(key) ?? new Map<number, AnswerRecord>();
    answersByPoint.set(key, m);
    m.set(a.attempt, a);
    if (a.usage) usage = addUsage(usage, a.usage);
    costUsd += a.cost_usd ?? 0;
  }
  let inFlight = 0;
  let calls = 0;
  let pointsDone = 0;
  let pointsDoneHere = 0;
  let solved = 0;
  let attemptsCount = 0;
  for (const p of opts.points) attemptsCount += byPoint.get(gridPointKey(p))?.length ?? 0;
  const failedPoints: { point: GridPoint; error: string }[] = [];
  interface Live {
    readonly point: GridPoint;
    readonly startedAt: number;
    attempt: number;
    proposing: number;
    verifying: number;
    bestVal: number | null;
  }
  const live = new Map<string, Live>();
  const recent: FinishedPoint[] = [];

  const progress = () => {
    if (!deps.onProgress) return;
    const elapsedMs = now() - started;
    const remaining = opts.points.length - pointsDone;
    deps.onProgress({
      pointsTotal: opts.points.length,
      pointsDone,
      solved,
      inFlight,
      attempts: attemptsCount,
      calls,
      usage,
      costUsd,
      elapsedMs,
      etaMs: pointsDoneHere > 0 ? (elapsedMs / pointsDoneHere) * remaining : null,
      active: [...live.values()].map((l) => ({
        fn: l.point.fn,
        length: l.point.length,
        attempt: l.attempt,
        attempts: opts.attempts,
        phase: l.proposing > 0 ? "proposing" : l.verifying > 0 ? "verifying" : "waiting",
        elapsedMs: now() - l.startedAt,
        bestVal: l.bestVal,
      })),
      recent: [...recent],
    });
  };

  const stopStarting = () => deps.signal.aborted || deps.budget.exhausted;

  const runPoint = async (point: GridPoint): Promise<void> => {
    const key = gridPointKey(point);
    const records = byPoint.get(key) ?? [];
    byPoint.set(key, records);
    const log = { fn: point.fn, length: point.length, ...trialField(point) };
    const isSolved = () => records.some((r) => r.val_acc === 1);
    const done = new Set(records.map((r) => r.attempt));
    const todo: number[] = [];
    for (let a = 1; a <= opts.attempts; a++) if (!done.has(a)) todo.push(a);
    // Answered before a crash, never recorded: verified below without a new call (paid for, so even
    // when a budget is exhausted or the point is already solved).
    const answered = answersByPoint.get(key) ?? new Map<number, AnswerRecord>();
    const recover = todo.filter((a) => answered.has(a));
    const needsTest = () => {
      const sel = selectErm(records);
      return opts.testSelectedOnly && sel !== undefined && sel.test_acc === null;
    };
    if ((isSolved() || todo.length === 0) && recover.length === 0) {
      if (records.length > 0)
        deps.logger.info({ ...log, attempts: records.length }, "resume: grid point already done");
      if (!needsTest()) return finishPoint(records);
    } else if (records.length > 0 || recover.length > 0) {
      deps.logger.info(
        { ...log, attempts_done: records.length, todo, answered_unrecorded: recover },
        "resume: continuing grid point",
      );
    }
    if (deps.signal.aborted || (stopStarting() && recover.length === 0)) return;

    let prepared: PreparedPoint;
    try {
      prepared = await deps.prepare(point);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      deps.logger.error({ ...log, error }, "grid point skipped: preparing its data failed");
      failedPoints.push({ point, error });
      return;
    }
    const state: Live = {
      point,
      startedAt: now(),
      attempt: 0,
      proposing: 0,
      verifying: 0,
      bestVal: records.reduce<number | null>(
        (b, r) => (r.val_acc === null ? b : Math.max(b ?? 0, r.val_acc)),
        null,
      ),
    };
    live.set(key, state);
    progress();
    const pointAbort = new AbortController();
    const onRunAbort = () => pointAbort.abort(deps.signal.reason);
    deps.signal.addEventListener("abort", onRunAbort, { once: true });
    let session: ProposerSession | undefined;
    let exhaustedProposer = false;
    let inputEstimate = estimateInputTokens(prepared.prompt);
    for (const r of records) inputEstimate = Math.max(inputEstimate, r.usage.input_tokens);
    for (const a of answered.values()) inputEstimate = Math.max(inputEstimate, a.usage?.input_tokens ?? 0);

    const runAttempt = async (attempt: number): Promise<void> => {
      const answer = await callLimit(
        async (): Promise<{ p: Proposal | null; spend: CallSpend } | "skipped"> => {
          if (stopStarting() || pointAbort.signal.aborted || exhaustedProposer) return "skipped";
          const reservation = deps.budget.tryReserve(inputEstimate);
          if (reservation === null) {
            deps.logger.warn(
              { ...log, attempt, spent: deps.budget.spent },
              "budget: not starting a call that could exceed it",
            );
            return "skipped";
          }
          session ??= deps.proposer.open({
            gridPoint: point,
            prompt: prepared.prompt,
            train: prepared.splits.train,
            attemptsDone: records.length,
            signal: pointAbort.signal,
          });
          inFlight++;
          state.proposing++;
          state.attempt = Math.max(state.attempt, attempt);
          progress();
          try {
            const p = await session.next(attempt);
            // Straight from proposing to verifying: no progress snapshot shows the hand-off as waiting.
            if (p !== null) state.verifying++;
            if (p?.usageUnknown) {
              // Billed, but by how much nobody said: the worst case reserved for it stays spent.
              const estimate = deps.budget.settleUnknown(reservation);
              return { p, spend: { costUsd: estimate.usd, estimatedTokens: estimate.tokens } };
            }
            return { p, spend: { costUsd: deps.budget.settle(reservation, p?.usage) } };
          } catch (err) {
            if (!(err instanceof CallAbortedError)) {
              deps.budget.settle(reservation, undefined);
              if (pointAbort.signal.aborted) return "skipped";
              throw err;
            }
            // Cut before it answered: nothing to record, but the provider bills what it did.
            let cut: Pick<UnrecordedCall, "usage" | "cost_usd" | "estimated_tokens">;
            if (err.usage) {
              cut = { usage: err.usage, cost_usd: deps.budget.settle(reservation, err.usage) };
            } else {
              const estimate = deps.budget.settleUnknown(reservation);
              cut = { usage: null, cost_usd: estimate.usd, estimated_tokens: estimate.tokens };
            }
            if (cut.usage) usage = addUsage(usage, cut.usage);
            costUsd += cut.cost_usd ?? 0;
            const call: UnrecordedCall = {
              ...log,
              attempt,
              proposer: deps.proposer.id,
              config_fingerprint: opts.fingerprint,
              ...cut,
              ...(err.responseId !== undefined ? { response_id: err.responseId } : {}),
              ts: new Date().toISOString(),
            };
            deps.logger.warn(
              {
                ...log,
                attempt,
                tokens: cut.usage?.total_tokens ?? call.estimated_tokens,
                cost_usd: cut.cost_usd,
                estimated: cut.usage === null,
              },
              "call cut before it answered: its spend counts",
            );
            await deps.onUnrecordedCall?.(call);
            return "skipped";
          } finally {
            inFlight--;
            state.proposing--;
          }
        },
      );
      if (answer === "skipped") return;
      const proposal = answer.p;
      if (proposal === null) {
        exhaustedProposer = true;
        deps.logger.info({ ...log, attempt }, "proposer has no more candidates");
        return;
      }
      calls++;
      if (proposal.usage) {
        usage = addUsage(usage, proposal.usage);
        inputEstimate = Math.max(inputEstimate, proposal.usage.input_tokens);
      }
      costUsd += answer.spend.costUsd ?? 0;
      progress();
      try {
        await deps.appendAnswer?.(
          answerOfProposal(
            {
              fn: point.fn,
              length: point.length,
              ...trialField(point),
              attempt,
              proposer: deps.proposer.id,
              config_fingerprint: opts.fingerprint,
            },
            proposal,
            answer.spend,
          ),
        );
      } catch (err) {
        state.verifying--;
        throw err;
      }
      await verifyAndRecord(attempt, proposal, answer.spend);
    };

    /** Verifies an answer (already durable in the answers file) and appends its attempt record. */
    const verifyAndRecord = async (attempt: number, proposal: Proposal, spend: CallSpend) => {
      let record: AttemptRecord;
      try {
        record = await scoreAttempt(point, attempt, prepared, proposal, spend, opts, deps);
      } finally {
        state.verifying--;
      }
      if (record.val_acc !== null) state.bestVal = Math.max(state.bestVal ?? 0, record.val_acc);
      records.push(record);
      await deps.append(record);
      attemptsCount++;
      deps.logger.info(
        {
          ...log,
          attempt,
          proposer: record.proposer,
          outcome: record.outcome,
          val_acc: record.val_acc,
          train_acc: record.train_acc,
          test_acc: record.test_acc,
          duration_ms: Math.round(record.duration_ms),
          tokens: record.usage.total_tokens,
          ...(record.error ? { error: record.error } : {}),
          ...(record.incomplete_reason ? { incomplete_reason: record.incomplete_reason } : {}),
        },
        record.error ? "attempt failed" : "attempt",
      );
      if (record.stopped_early) {
        deps.logger.info(
          { ...log, attempt, test_acc: record.test_acc },
          "early stop: validation accuracy 1.0",
        );
        pointAbort.abort(new Error("early stop"));
      }
      progress();
    };

    try {
      for (const attempt of recover) {
        if (deps.signal.aborted) break;
        todo.splice(todo.indexOf(attempt), 1);
        deps.logger.info(
          { ...log, attempt },
          "resume: verifying an answer received before the run stopped (no new call)",
        );
        state.attempt = Math.max(state.attempt, attempt);
        state.verifying++;
        const a = answered.get(attempt)!;
        await verifyAndRecord(attempt, proposalOfAnswer(a), spendOf(a));
      }
      while (todo.length > 0 && !isSolved() && !stopStarting() && !exhaustedProposer) {
        const wave = todo.splice(0, batch);
        await Promise.all(wave.map(runAttempt));
      }
      if (needsTest() && !deps.signal.aborted) await scoreSelectedTest(records, prepared, deps, log);
    } finally {
      deps.signal.removeEventListener("abort", onRunAbort);
      if (!pointAbort.signal.aborted) pointAbort.abort(new Error("grid point finished"));
      await session?.close?.();
      live.delete(key);
    }
    const finished =
      isSolved() ||
      exhaustedProposer ||
      records.filter((r) => r.attempt <= opts.attempts).length >= opts.attempts;
    if (finished) finishPoint(records, true, now() - state.startedAt);
    else progress();
  };

  const finishPoint = (records: readonly AttemptRecord[], here = false, elapsedMs = 0) => {
    pointsDone++;
    if (here) pointsDoneHere++;
    const isSolved = records.some((r) => r.val_acc === 1);
    if (isSolved) solved++;
    const sel = selectErm(records);
    if (here && records[0]) {
      recent.unshift({
        fn: records[0].fn,
        length: records[0].length,
        solved: isSolved,
        attempts: records.length,
        selectedAttempt: sel?.attempt ?? null,
        val: sel?.val_acc ?? null,
        test: sel?.test_acc ?? null,
        elapsedMs,
      });
      recent.length = Math.min(recent.length, 5);
    }
    if (here && records[0]) {
      deps.logger.info(
        {
          fn: records[0].fn,
          length: records[0].length,
          selected_attempt: sel?.attempt ?? null,
          val_acc: sel?.val_acc ?? null,
          test_acc: sel?.test_acc ?? null,
        },
        "grid point done (ERM selection)",
      );
    }
    progress();
  };

  progress();
  const results = await Promise.allSettled(opts.points.map((p) => pointLimit(() => runPoint(p))));
  for (const [i, r] of results.entries()) {
    if (r.status === "rejected") {
      const point = opts.points[i]!;
      const error = r.reason instanceof Error ? r.reason.message : String(r.reason);
      deps.logger.error({ fn: point.fn, length: point.length, error }, "grid point failed");
      failedPoints.push({ point, error });
    }
  }
  progress();
  const records = opts.points.flatMap((p) => byPoint.get(gridPointKey(p)) ?? []);
  const status: GridRunStatus = deps.signal.aborted
    ? "interrupted"
    : deps.budget.exhausted
      ? "budget"
      : failedPoints.length > 0
        ? "failed"
        : "completed";
  return { status, records, newCalls: calls, failedPoints };
}

/** Extraction and verification of one proposal, as an attempt record. */
async function scoreAttempt(
  point: GridPoint,
  attempt: number,
  prepared: PreparedPoint,
  proposal: Proposal,
  spend: CallSpend,
  opts: GridRunOptions,
  deps: GridRunDeps,
): Promise<AttemptRecord> {
  const usage = proposal.usage ?? ZERO_USAGE;
  const base = {
    schema_version: ATTEMPT_RECORD_SCHEMA_VERSION,
    fn: point.fn,
    length: point.length,
    ...trialField(point),
    attempt,
    prompt: prepared.prompt,
    text: proposal.text,
    duration_ms: proposal.durationMs,
    cached_tokens: usage.cached_tokens,
    prompt_tokens: usage.prompt_tokens,
    completion_tokens: usage.completion_tokens,
    reasoning_tokens: usage.reasoning_tokens,
    tool_uses: proposal.toolUses ?? 0,
    tool_results_chars: proposal.toolResultsChars ?? 0,
    usage,
    proposer: deps.proposer.id,
    config_fingerprint: opts.fingerprint,
    ...spendFields(spend),
    ...(proposal.incompleteReason !== undefined ? { incomplete_reason: proposal.incompleteReason } : {}),
    ...(proposal.meta ? { meta: { ...proposal.meta } } : {}),
    ts: new Date().toISOString(),
  };
  if (proposal.error !== undefined) {
    return {
      ...base,
      val_acc: null,
      test_acc: null,
      train_acc: null,
      stopped_early: false,
      compile_error: "",
      error: proposal.error,
      outcome: "call_error",
      outcome_message: proposal.error,
      verify_ms: 0,
    };
  }
  const extraction = deps.extractCode(proposal.text);
  if (!extraction.ok) {
    return {
      ...base,
      val_acc: 0,
      test_acc: opts.testSelectedOnly ? null : 0,
      train_acc: 0,
      stopped_early: false,
      compile_error: `no_code_found: ${extraction.reason}`,
      outcome: "no_code_found",
      outcome_message: extraction.reason,
      verify_ms: 0,
    };
  }
  const splits = opts.testSelectedOnly
    ? { train: prepared.splits.train, val: prepared.splits.val }
    : { train: prepared.splits.train, val: prepared.splits.val, test: prepared.splits.test };
  let result: VerifyResult;
  try {
    result = await deps.verifier.verify({ code: extraction.code, splits });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    result = { kind: "sandbox_error", message, scores: {}, durationMs: 0 };
  }
  const acc = (s: "train" | "val" | "test") => result.scores[s]?.accuracy ?? 0;
  const val = acc("val");
  return {
    ...base,
    val_acc: val,
    test_acc: opts.testSelectedOnly ? null : acc("test"),
    train_acc: acc("train"),
    stopped_early: val === 1,
    compile_error: COMPILE_KINDS.has(result.kind) ? `${result.kind}: ${result.message}` : "",
    outcome: result.kind,
    outcome_message: result.message,
    ...(result.splitOutcomes ? { split_outcomes: result.splitOutcomes } : {}),
    verify_ms: result.durationMs,
  };
}

/** Outcomes where the candidate never became a callable function (the paper's compile_error). */
const COMPILE_KINDS = new Set(["syntax_error", "no_function", "import_error", "module_error"]);

/** --test-selected-only: score test for the ERM-selected program, appended as a newer record of that attempt. */
async function scoreSelectedTest(
  records: AttemptRecord[],
  prepared: PreparedPoint,
  deps: GridRunDeps,
  log: Record<string, unknown>,
): Promise<void> {
  const sel = selectErm(records);
  if (!sel || sel.test_acc !== null) return;
  const extraction = deps.extractCode(sel.text);
  let testAcc = 0;
  if (extraction.ok) {
    let result: VerifyResult;
    try {
      result = await deps.verifier.verify({ code: extraction.code, splits: { test: prepared.splits.test } });
    } catch (err) {
      // Nothing is recorded: the selected attempt's test accuracy stays unknown (not 0), and a rerun
      // scores it. The grid point fails with this message (runner.log and stderr).
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(
        `scoring the test split of the selected attempt ${sel.attempt} failed: ${message} (run again to retry)`,
      );
    }
    testAcc = result.scores.test?.accuracy ?? 0;
  }
  const updated: AttemptRecord = {
    ...sel,
    schema_version: ATTEMPT_RECORD_SCHEMA_VERSION,
    test_acc: testAcc,
    test_scored_later: true,
    ts: new Date().toISOString(),
  };
  records[records.indexOf(sel)] = updated;
  await deps.append(updated);
  deps.logger.info(
    { ...log, attempt: sel.attempt, test_acc: testAcc },
    "test scored for the selected program",
  );
}
