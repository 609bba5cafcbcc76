import { availableParallelism } from "node:os";
import { UsageError } from "../core/errors.js";
import { moduleBeside, WorkerPool } from "../core/worker-pool.js";
import { type BuildJob, type JobResult, runJob } from "./build-job.js";
import { checkSpec, type DatasetSpec } from "./spec.js";
import { type Dataset, DatasetDamagedError } from "./store.js";

export interface BuildResult {
  readonly spec: DatasetSpec;
  readonly dataset: Dataset;
  readonly reused: boolean;
  readonly path: string;
  /** Wall time of this dataset's load or build, in its thread. */
  readonly ms: number;
}

export interface BuildOptions {
  /** Worker threads (default: the number of cores). 1 builds in this thread. */
  readonly concurrency?: number;
  /** Called as each dataset is ready, in completion order. */
  readonly onProgress?: (result: BuildResult, done: number, total: number) => void;
}

/** Rough relative cost, so the slowest datasets start first and the threads finish together. */
function cost(spec: DatasetSpec): number {
  const n = spec.trainSize + spec.valSize + spec.testSize;
  return spec.fn === "fn_i" || spec.fn === "fn_k" ? n * spec.length ** 3 : n * spec.length;
}

/**
 * Loads or builds every dataset, in parallel on worker threads (bounded by `concurrency`). Results come
 * back in the order of `specs`; the first error (usage, damaged, other) is thrown after the running jobs
 * finish, with its class (UsageError, DatasetDamagedError).
 */
export async function buildDatasets(
  specs: readonly DatasetSpec[],
  datasetDir: string,
  options: BuildOptions = {},
): Promise<BuildResult[]> {
  for (const spec of specs) checkSpec(spec);
  const threads = Math.max(1, Math.min(options.concurrency ?? availableParallelism(), specs.length));
  // Cores left over by the dataset threads go to the prime tasks' next-prime helpers.
  const primeThreads = Math.max(1, Math.floor(availableParallelism() / threads));
  const jobs: BuildJob[] = specs.map((spec, index) => ({ index, spec, datasetDir, primeThreads }));
  const order = [...jobs].sort((a, b) => cost(b.spec) - cost(a.spec));
  const results: BuildResult[] = new Array(jobs.length);
  let done = 0;
  const accept = (r: JobResult): void => {
    const spec = specs[r.index] as DatasetSpec;
    const result: BuildResult = { spec, dataset: r.dataset, reused: r.reused, path: r.path, ms: r.ms };
    results[r.index] = result;
    options.onProgress?.(result, ++done, jobs.length);
  };

  if (threads === 1) {
    for (const job of order) accept(await runJob(job));
    return results;
  }
  const pool = new WorkerPool<BuildJob, JobResult>(moduleBeside(import.meta.url, "./build-worker"), {
    size: threads,
    errorClasses: [UsageError, DatasetDamagedError],
  });
  try {
    await pool.run(order, accept);
  } finally {
    await pool.terminate();
  }
  return results;
}
