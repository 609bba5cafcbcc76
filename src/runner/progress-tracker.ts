/**
 * The progress tracker: the run's counters (grid points done and solved, calls in flight, attempts,
 * tokens and cost), the grid points being worked on and the last ones finished, turned into a
 * `ProgressState` (with an ETA) for every change. It decides nothing: the runner tells it what happened.
 */
import type { AttemptRecord } from "../artifacts/attempt-record.js";
import type { GridPoint } from "../core/grid.js";
import type { Usage } from "../proposer/proposer.js";
import { addUsage, ZERO_USAGE } from "../proposer/usage.js";
import type { ActivePoint, FinishedPoint, ProgressState } from "./grid-types.js";
import { selectErm } from "./selection.js";

/** A grid point being worked on: the runner moves its counters, the tracker reads them. */
export interface LivePoint {
  readonly point: GridPoint;
  readonly startedAt: number;
  /** The highest attempt started. */
  attempt: number;
  /** Calls of this point in flight. */
  proposing: number;
  /** Answers of this point in the sandbox. */
  verifying: number;
  bestVal: number | null;
}

export interface ProgressTrackerOptions {
  readonly pointsTotal: number;
  readonly attemptsPerPoint: number;
  readonly now: () => number;
  readonly onProgress?: ((state: ProgressState) => void) | undefined;
  /** What the records and answers already on disk count for (resume). */
  readonly initial?: { readonly usage: Usage; readonly costUsd: number; readonly attempts: number };
}

/** How many finished grid points the state lists. */
const RECENT = 5;

const phaseOf = (l: LivePoint): ActivePoint["phase"] => {
  if (l.proposing > 0) return "proposing";
  if (l.verifying > 0) return "verifying";
  return "waiting";
};

/** The best validation accuracy among records (null: none has one). */
export const bestValOf = (records: readonly AttemptRecord[]): number | null =>
  records.reduce<number | null>((b, r) => (r.val_acc === null ? b : Math.max(b ?? 0, r.val_acc)), null);

export class ProgressTracker {
  private readonly started: number;
  private pointsDone = 0;
  /** Finished in this invocation: the ETA's rate counts only these. */
  private pointsDoneHere = 0;
  private solved = 0;
  private inFlight = 0;
  private calls = 0;
  private attempts: number;
  private usage: Usage;
  private costUsd: number;
  private readonly live = new Map<string, LivePoint>();
  private readonly recent: FinishedPoint[] = [];

  constructor(private readonly opts: ProgressTrackerOptions) {
    this.started = opts.now();
    this.usage = opts.initial?.usage ?? ZERO_USAGE;
    this.costUsd = opts.initial?.costUsd ?? 0;
    this.attempts = opts.initial?.attempts ?? 0;
  }

  /** Calls answered in this invocation. */
  get newCalls(): number {
    return this.calls;
  }

  snapshot(): ProgressState {
    const now = this.opts.now();
    const elapsedMs = now - this.started;
    const remaining = this.opts.pointsTotal - this.pointsDone;
    return {
      pointsTotal: this.opts.pointsTotal,
      pointsDone: this.pointsDone,
      solved: this.solved,
      inFlight: this.inFlight,
      attempts: this.attempts,
      calls: this.calls,
      usage: this.usage,
      costUsd: this.costUsd,
      elapsedMs,
      etaMs: this.pointsDoneHere > 0 ? (elapsedMs / this.pointsDoneHere) * remaining : null,
      active: [...this.live.values()].map((l) => ({
        fn: l.point.fn,
        length: l.point.length,
        attempt: l.attempt,
        attempts: this.opts.attemptsPerPoint,
        phase: phaseOf(l),
        elapsedMs: now - l.startedAt,
        bestVal: l.bestVal,
      })),
      recent: [...this.recent],
    };
  }

  emit(): void {
    if (this.opts.onProgress) this.opts.onProgress(this.snapshot());
  }

  /** Spend that belongs to no new attempt record (a call cut before it answered). */
  spent(usage: Usage | null | undefined, costUsd: number | null | undefined): void {
    if (usage) this.usage = addUsage(this.usage, usage);
    this.costUsd += costUsd ?? 0;
  }

  /** A call answered (its answer goes to the sandbox next). */
  answered(usage: Usage | undefined, costUsd: number | null): void {
    this.calls++;
    this.spent(usage, costUsd);
    this.emit();
  }

  recorded(record: AttemptRecord, live: LivePoint): void {
    this.attempts++;
    if (record.val_acc !== null) live.bestVal = Math.max(live.bestVal ?? 0, record.val_acc);
    this.emit();
  }

  startPoint(key: string, point: GridPoint, bestVal: number | null): LivePoint {
    const live: LivePoint = {
      point,
      startedAt: this.opts.now(),
      attempt: 0,
      proposing: 0,
      verifying: 0,
      bestVal,
    };
    this.live.set(key, live);
    this.emit();
    return live;
  }

  /** The point stops being worked on here (finished or not). */
  leavePoint(key: string): void {
    this.live.delete(key);
  }

  callStarted(live: LivePoint, attempt: number): void {
    this.inFlight++;
    live.proposing++;
    live.attempt = Math.max(live.attempt, attempt);
    this.emit();
  }

  callEnded(live: LivePoint): void {
    this.inFlight--;
    live.proposing--;
  }

  /**
   * A grid point is done: counted, and when it was worked on in this invocation (`elapsedMs` given)
   * listed among the recent ones. Returns its ERM selection.
   */
  finishPoint(records: readonly AttemptRecord[], elapsedMs?: number): AttemptRecord | undefined {
    this.pointsDone++;
    const solved = records.some((r) => r.val_acc === 1);
    if (solved) this.solved++;
    const sel = selectErm(records);
    const first = records[0];
    if (elapsedMs !== undefined) {
      this.pointsDoneHere++;
      if (first) {
        this.recent.unshift({
          fn: first.fn,
          length: first.length,
          solved,
          attempts: records.length,
          selectedAttempt: sel?.attempt ?? null,
          val: sel?.val_acc ?? null,
          test: sel?.test_acc ?? null,
          elapsedMs,
        });
        this.recent.length = Math.min(this.recent.length, RECENT);
      }
    }
    return sel;
  }
}
