import { configureNextPrimes } from "../primes/index.js";
import type { DatasetSpec } from "./spec.js";
import { type Dataset, type DatasetSizes, loadOrBuildDataset } from "./store.js";

export interface BuildJob {
  readonly index: number;
  readonly spec: DatasetSpec;
  readonly datasetDir: string;
  /** Threads a prime dataset's next-prime batches may use (default: leave the thread's setting). */
  readonly primeThreads?: number;
}

export interface JobResult {
  readonly index: number;
  readonly dataset: Dataset;
  readonly reused: boolean;
  readonly path: string;
  /** The sizes of a valid dataset of other split sizes this one replaced (see LoadedDataset). */
  readonly replaced?: DatasetSizes;
  /** Wall time of the load or build, in its thread. */
  readonly ms: number;
}

/** Runs one job (in this thread or a build worker); errors are thrown as they are. */
export async function runJob(job: BuildJob): Promise<JobResult> {
  const start = performance.now();
  if (job.primeThreads !== undefined) configureNextPrimes({ threads: job.primeThreads });
  const r = await loadOrBuildDataset(job.spec, job.datasetDir);
  return { index: job.index, ...r, ms: performance.now() - start };
}
