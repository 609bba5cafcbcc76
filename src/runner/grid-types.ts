/**
 * The grid runner's vocabulary: what `runGrid` takes (options, dependencies), what it reports while it
 * runs (progress) and what it returns. grid-runner.ts re-exports all of it.
 */
import type { AnswerRecord } from "../artifacts/answer-record.js";
import type { AttemptRecord } from "../artifacts/attempt-record.js";
import type { Splits } from "../core/example.js";
import type { GridPoint } from "../core/grid.js";
import type { Proposer, Usage } from "../proposer/proposer.js";
import type { CodeExtraction, Verifier } from "../verify/types.js";
import type { Budget } from "./budget.js";

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
