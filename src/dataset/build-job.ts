import { UsageError } from "../core/errors.js";
import { configureNextPrimes } from "../tasks/next-prime-pool.js";
import type { DatasetSpec } from "./spec.js";
import { type Dataset, DatasetDamagedError, loadOrBuildDataset } from "./store.js";

export interface BuildJob {
  readonly index: number;
  readonly spec: DatasetSpec;
  readonly datasetDir: string;
  /** Threads a prime dataset's next-prime batches may use (default: leave the thread's setting). */
  readonly primeThreads?: number;
}

export type JobError =
  | { kind: "usage"; message: string }
  | { kind: "damaged"; path: string; file: string; problem: string }
  | { kind: "other"; message: string; stack?: string };

export type JobResult =
  | { index: number; ok: true; dataset: Dataset; reused: boolean; path: string; ms: number }
  | { index: number; ok: false; error: JobError };

/** Runs one job, turning errors into plain data that crosses a thread boundary. */
export async function runJob(job: BuildJob): Promise<JobResult> {
  const start = performance.now();
  if (job.primeThreads !== undefined) configureNextPrimes({ threads: job.primeThreads });
  try {
    const r = await loadOrBuildDataset(job.spec, job.datasetDir);
    return { index: job.index, ok: true, ...r, ms: performance.now() - start };
  } catch (err) {
    return { index: job.index, ok: false, error: toJobError(err) };
  }
}

function toJobError(err: unknown): JobError {
  if (err instanceof UsageError) return { kind: "usage", message: err.message };
  if (err instanceof DatasetDamagedError)
    return { kind: "damaged", path: err.path, file: err.file, problem: err.problem };
  if (err instanceof Error)
    return { kind: "other", message: err.message, ...(err.stack ? { stack: err.stack } : {}) };
  return { kind: "other", message: String(err) };
}

/** The error a JobError stands for, rebuilt with its class. */
export function fromJobError(e: JobError): Error {
  if (e.kind === "usage") return new UsageError(e.message);
  if (e.kind === "damaged") return new DatasetDamagedError(e.path, e.file, e.problem);
  const err = new Error(e.message);
  if (e.stack) err.stack = e.stack;
  return err;
}
