/**
 * The grid-point runner: one (task, length, trial) from its first call to its ERM selection. Answers
 * received before a crash are verified first (no new call); then attempts run in waves of `batch`
 * until one reaches validation accuracy 1.0 (early stop: calls still in flight are cut), the attempts
 * run out, the proposer has nothing more, or the run stops starting calls (Ctrl-C, budget). Every
 * answer is made durable before it is verified, every record before the next decision.
 */
import type { LimitFunction } from "p-limit";
import {
  type AnswerRecord,
  answerOfProposal,
  type CallSpend,
  proposalOfAnswer,
  spendOf,
} from "../artifacts/answer-record.js";
import type { AttemptRecord } from "../artifacts/attempt-record.js";
import { type GridPoint, gridPointKey } from "../core/grid.js";
import type { Proposal, ProposerSession } from "../proposer/proposer.js";
import { budgetedCall } from "./budgeted-call.js";
import type { GridRunDeps, GridRunOptions, PreparedPoint } from "./grid-types.js";
import { bestValOf, type LivePoint, type ProgressTracker } from "./progress-tracker.js";
import { scoreAttempt, trialField } from "./record-builder.js";
import { needsSelectedTest, scoreSelectedTest } from "./selected-test.js";

/** A rough token count for budget reservations before the first answer reports the real one. */
export const estimateInputTokens = (prompt: string): number => Math.ceil(prompt.length / 2);

/** What every grid point of a run shares. */
export interface PointRunContext {
  readonly opts: GridRunOptions;
  readonly deps: GridRunDeps;
  /** The run's proposer call slots (--concurrency). */
  readonly callLimit: LimitFunction;
  readonly tracker: ProgressTracker;
  readonly now: () => number;
}

/** A grid point whose data could not be prepared: skipped, the rest of the grid goes on. */
export interface PointFailure {
  readonly point: GridPoint;
  readonly error: string;
}

/**
 * Runs one grid point. `records` holds its records on disk and receives the new ones; `answered` its
 * answers without a record. Returns a failure when its data could not be prepared; throws when a
 * record could not be written or the selected program's test could not be scored.
 */
export async function runGridPoint(
  point: GridPoint,
  records: AttemptRecord[],
  answered: ReadonlyMap<number, AnswerRecord>,
  ctx: PointRunContext,
): Promise<PointFailure | undefined> {
  const { opts, deps } = ctx;
  const log = { fn: point.fn, length: point.length, ...trialField(point) };
  const done = new Set(records.map((r) => r.attempt));
  const todo: number[] = [];
  for (let a = 1; a <= opts.attempts; a++) if (!done.has(a)) todo.push(a);
  // Answered before a crash, never recorded: verified without a new call (paid for, so even when a
  // budget is exhausted or the point is already solved).
  const recover = todo.filter((a) => answered.has(a));
  const solved = records.some((r) => r.val_acc === 1);
  if ((solved || todo.length === 0) && recover.length === 0) {
    if (records.length > 0)
      deps.logger.info({ ...log, attempts: records.length }, "resume: grid point already done");
    if (!needsSelectedTest(records, opts.testSelectedOnly)) {
      finishPoint(records, ctx);
      return undefined;
    }
  } else if (records.length > 0 || recover.length > 0) {
    deps.logger.info(
      { ...log, attempts_done: records.length, todo, answered_unrecorded: recover },
      "resume: continuing grid point",
    );
  }
  if (deps.signal.aborted || (stopsStarting(deps) && recover.length === 0)) return undefined;

  let prepared: PreparedPoint;
  try {
    prepared = await deps.prepare(point);
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    deps.logger.error({ ...log, error }, "grid point skipped: preparing its data failed");
    return { point, error };
  }
  const run = new PointRun(point, records, answered, prepared, ctx);
  await run.run(recover, todo);
  return undefined;
}

/** Ctrl-C or an exhausted budget: no new call starts anywhere. */
const stopsStarting = (deps: GridRunDeps): boolean => deps.signal.aborted || deps.budget.exhausted;

/** Counted done (and logged with its selection when it was worked on in this invocation). */
function finishPoint(records: readonly AttemptRecord[], ctx: PointRunContext, elapsedMs?: number): void {
  const sel = ctx.tracker.finishPoint(records, elapsedMs);
  const first = records[0];
  if (elapsedMs !== undefined && first) {
    ctx.deps.logger.info(
      {
        fn: first.fn,
        length: first.length,
        selected_attempt: sel?.attempt ?? null,
        val_acc: sel?.val_acc ?? null,
        test_acc: sel?.test_acc ?? null,
      },
      "grid point done (ERM selection)",
    );
  }
  ctx.tracker.emit();
}

/** One grid point once its data is ready: its session, its abort, its calls and records. */
class PointRun {
  private readonly log: { fn: string; length: number; trial?: number };
  private readonly abort = new AbortController();
  private readonly live: LivePoint;
  private session: ProposerSession | undefined;
  private noMoreCandidates = false;
  /** Input tokens reserved per call: the prompt's estimate, then the largest input seen. */
  private inputTokens: number;

  constructor(
    private readonly point: GridPoint,
    private readonly records: AttemptRecord[],
    private readonly answered: ReadonlyMap<number, AnswerRecord>,
    private readonly prepared: PreparedPoint,
    private readonly ctx: PointRunContext,
  ) {
    this.log = { fn: point.fn, length: point.length, ...trialField(point) };
    this.live = ctx.tracker.startPoint(gridPointKey(point), point, bestValOf(records));
    this.inputTokens = Math.max(
      estimateInputTokens(prepared.prompt),
      ...records.map((r) => r.usage.input_tokens),
      ...[...answered.values()].map((a) => a.usage?.input_tokens ?? 0),
    );
  }

  private get solved(): boolean {
    return this.records.some((r) => r.val_acc === 1);
  }

  async run(recover: readonly number[], todo: number[]): Promise<void> {
    const { deps, opts } = this.ctx;
    const onRunAbort = () => this.abort.abort(deps.signal.reason);
    deps.signal.addEventListener("abort", onRunAbort, { once: true });
    try {
      for (const attempt of recover) {
        if (deps.signal.aborted) break;
        todo.splice(todo.indexOf(attempt), 1);
        await this.recoverAnswer(attempt);
      }
      const batch = Math.max(1, opts.batch);
      while (todo.length > 0 && !this.solved && !stopsStarting(deps) && !this.noMoreCandidates) {
        const wave = todo.splice(0, batch);
        await Promise.all(wave.map((a) => this.attempt(a)));
      }
      if (needsSelectedTest(this.records, opts.testSelectedOnly) && !deps.signal.aborted) {
        await scoreSelectedTest(this.records, { ...deps, test: this.prepared.splits.test }, this.log);
      }
    } finally {
      deps.signal.removeEventListener("abort", onRunAbort);
      if (!this.abort.signal.aborted) this.abort.abort(new Error("grid point finished"));
      await this.session?.close?.();
      this.ctx.tracker.leavePoint(gridPointKey(this.point));
    }
    const attemptsOnRecord = this.records.filter((r) => r.attempt <= opts.attempts).length;
    if (this.solved || this.noMoreCandidates || attemptsOnRecord >= opts.attempts) {
      finishPoint(this.records, this.ctx, this.ctx.now() - this.live.startedAt);
    } else {
      this.ctx.tracker.emit();
    }
  }

  /** An answer received before the run stopped: verified and recorded, no new call. */
  private async recoverAnswer(attempt: number): Promise<void> {
    this.ctx.deps.logger.info(
      { ...this.log, attempt },
      "resume: verifying an answer received before the run stopped (no new call)",
    );
    this.live.attempt = Math.max(this.live.attempt, attempt);
    this.live.verifying++;
    const answer = this.answered.get(attempt)!;
    await this.verifyAndRecord(attempt, proposalOfAnswer(answer), spendOf(answer));
  }

  /** One attempt: a call in a free slot (if the run still starts calls), then its verification. */
  private async attempt(attempt: number): Promise<void> {
    const { deps, opts, tracker } = this.ctx;
    const result = await this.ctx.callLimit(() => {
      if (stopsStarting(deps) || this.abort.signal.aborted || this.noMoreCandidates) {
        return { kind: "skipped" } as const;
      }
      return budgetedCall(
        {
          attempt,
          inputTokens: this.inputTokens,
          log: this.log,
          stopped: () => this.abort.signal.aborted,
        },
        () => this.call(attempt),
        {
          budget: deps.budget,
          logger: deps.logger,
          proposer: deps.proposer.id,
          fingerprint: opts.fingerprint,
          onUnrecordedCall: deps.onUnrecordedCall,
        },
      );
    });
    if (result.kind === "cut") tracker.spent(result.usage, result.costUsd);
    if (result.kind === "no_more") {
      this.noMoreCandidates = true;
      deps.logger.info({ ...this.log, attempt }, "proposer has no more candidates");
    }
    if (result.kind !== "answer") return;
    const { proposal, spend } = result;
    if (proposal.usage) this.inputTokens = Math.max(this.inputTokens, proposal.usage.input_tokens);
    tracker.answered(proposal.usage, spend.costUsd);
    try {
      await deps.appendAnswer?.(
        answerOfProposal(
          {
            ...this.log,
            attempt,
            proposer: deps.proposer.id,
            config_fingerprint: opts.fingerprint,
          },
          proposal,
          spend,
        ),
      );
    } catch (err) {
      this.live.verifying--;
      throw err;
    }
    await this.verifyAndRecord(attempt, proposal, spend);
  }

  /** The proposer call itself, counted in flight; an answer goes straight to verifying. */
  private async call(attempt: number): Promise<Proposal | null> {
    const { deps, tracker } = this.ctx;
    this.session ??= deps.proposer.open({
      gridPoint: this.point,
      prompt: this.prepared.prompt,
      train: this.prepared.splits.train,
      attemptsDone: this.records.length,
      signal: this.abort.signal,
    });
    tracker.callStarted(this.live, attempt);
    try {
      const proposal = await this.session.next(attempt);
      // No progress snapshot shows the hand-off from proposing to verifying as waiting.
      if (proposal !== null) this.live.verifying++;
      return proposal;
    } finally {
      tracker.callEnded(this.live);
    }
  }

  /** Verifies an answer (already durable in the answers file) and appends its attempt record. */
  private async verifyAndRecord(attempt: number, proposal: Proposal, spend: CallSpend): Promise<void> {
    const { deps, opts } = this.ctx;
    let record: AttemptRecord;
    try {
      record = await scoreAttempt(
        {
          point: this.point,
          attempt,
          prompt: this.prepared.prompt,
          proposer: deps.proposer.id,
          fingerprint: opts.fingerprint,
        },
        proposal,
        spend,
        {
          splits: this.prepared.splits,
          verifier: deps.verifier,
          extractCode: deps.extractCode,
          testSelectedOnly: opts.testSelectedOnly,
        },
      );
    } finally {
      this.live.verifying--;
    }
    this.records.push(record);
    await deps.append(record);
    this.ctx.tracker.recorded(record, this.live);
    deps.logger.info(
      { ...this.log, ...attemptLogFields(record) },
      record.error ? "attempt failed" : "attempt",
    );
    if (record.stopped_early) {
      deps.logger.info(
        { ...this.log, attempt, test_acc: record.test_acc },
        "early stop: validation accuracy 1.0",
      );
      this.abort.abort(new Error("early stop"));
    }
  }
}

/** runner.log's fields of an attempt. */
const attemptLogFields = (record: AttemptRecord): Record<string, unknown> => ({
  attempt: record.attempt,
  proposer: record.proposer,
  outcome: record.outcome,
  val_acc: record.val_acc,
  train_acc: record.train_acc,
  test_acc: record.test_acc,
  duration_ms: Math.round(record.duration_ms),
  tokens: record.usage.total_tokens,
  ...(record.error ? { error: record.error } : {}),
  ...(record.incomplete_reason ? { incomplete_reason: record.incomplete_reason } : {}),
});
