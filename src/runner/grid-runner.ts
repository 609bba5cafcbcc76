import { setMaxListeners } from "node:events";
import pLimit from "p-limit";
import { type GridPoint, gridPointKey } from "../core/grid.js";
import type { GridRunDeps, GridRunOptions, GridRunResult, GridRunStatus } from "./grid-types.js";
import { type PointFailure, runGridPoint } from "./point-runner.js";
import { ProgressTracker } from "./progress-tracker.js";
import { resumeState } from "./resume-state.js";

export type * from "./grid-types.js";
export { estimateInputTokens } from "./point-runner.js";

/**
 * Runs the grid: grid points concurrently, at most `concurrency` proposer calls in flight; attempts
 * of a point sequential (or `batch` at a time), stopping early at validation accuracy 1.0. Each
 * finished attempt is appended durably before the next decision. Resumes from `prior`.
 */
export async function runGrid(opts: GridRunOptions, deps: GridRunDeps): Promise<GridRunResult> {
  const now = deps.now ?? (() => performance.now());
  // One abort listener per active grid point on the run's signal: not a leak.
  setMaxListeners(0, deps.signal);
  const resumed = resumeState(opts.points, deps.prior, deps.pendingAnswers ?? [], opts.fingerprint);
  const tracker = new ProgressTracker({
    pointsTotal: opts.points.length,
    attemptsPerPoint: opts.attempts,
    now,
    onProgress: deps.onProgress,
    initial: resumed,
  });
  const ctx = { opts, deps, callLimit: pLimit(Math.max(1, opts.concurrency)), tracker, now };
  // Enough points active to keep every call slot busy while some verify; not all (datasets in memory).
  const pointLimit = pLimit(Math.ceil(opts.concurrency / Math.max(1, opts.batch)) + 2);
  const failedPoints: PointFailure[] = [];
  const runPoint = async (point: GridPoint) => {
    const key = gridPointKey(point);
    const records = resumed.records.get(key) ?? [];
    resumed.records.set(key, records);
    const failure = await runGridPoint(point, records, resumed.answers.get(key) ?? new Map(), ctx);
    if (failure) failedPoints.push(failure);
  };

  tracker.emit();
  const results = await Promise.allSettled(opts.points.map((p) => pointLimit(() => runPoint(p))));
  for (const [i, r] of results.entries()) {
    if (r.status === "fulfilled") continue;
    const point = opts.points[i]!;
    const error = r.reason instanceof Error ? r.reason.message : String(r.reason);
    deps.logger.error({ fn: point.fn, length: point.length, error }, "grid point failed");
    failedPoints.push({ point, error });
  }
  tracker.emit();
  const records = opts.points.flatMap((p) => resumed.records.get(gridPointKey(p)) ?? []);
  return { status: runStatus(deps, failedPoints.length), records, newCalls: tracker.newCalls, failedPoints };
}

/** Interrupted over a budget stop over failed points over completed: the first that applies. */
function runStatus(deps: GridRunDeps, failures: number): GridRunStatus {
  if (deps.signal.aborted) return "interrupted";
  if (deps.budget.exhausted) return "budget";
  if (failures > 0) return "failed";
  return "completed";
}
