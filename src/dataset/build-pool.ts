import { availableParallelism } from "node:os";
import { UsageError } from "../core/errors.js";
import { moduleBeside, WorkerPool } from "../core/worker-pool.js";
import { getTask, isBuiltInTask } from "../tasks/registry.js";
import { type BuildJob, type JobResult, runJob } from "./build-job.js";
import { DatasetGenerationError } from "./generation-error.js";
import { checkSpec, type DatasetSpec } from "./spec.js";
import { type Dataset, DatasetDamagedError, type DatasetSizes } from "./store.js";

export interface BuildResult {
  readonly spec: DatasetSpec;
  readonly dataset: Dataset;
  readonly reused: boolean;
  readonly path: string;
  /** Set when a valid dataset of other split sizes was in its directory and was replaced (regenerated). */
  readonly replaced?: DatasetSizes;
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
  const task = getTask(spec.fn);
  return n * (task.buildCost?.(spec.length) ?? spec.length);
}

/**
 * Datasets of at least this cost (at the paper's sizes, the prime datasets of 79+ digits: ~1.4 s on one
 * thread at L=100) are built wide: one at a time, with every core on their next primes, so that none takes
 * over a second; the rest share the cores, a dataset per thread.
 */
const WIDE_COST = 5e9;

/** Which datasets are built wide, which share the threads, and how many threads those get. */
export interface BuildPlan {
  readonly wide: readonly BuildJob[];
  readonly narrow: readonly BuildJob[];
  readonly threads: number;
}

/** The plan for `specs` with at most `concurrency` dataset threads on `cores` cores (pure). */
export function planBuilds(
  specs: readonly DatasetSpec[],
  datasetDir: string,
  concurrency: number,
  cores: number,
): BuildPlan {
  const jobs: BuildJob[] = specs.map((spec, index) => ({ index, spec, datasetDir }));
  const order = [...jobs].sort((a, b) => cost(b.spec) - cost(a.spec));
  const wide = order.filter((j) => cost(j.spec) >= WIDE_COST).map((j) => ({ ...j, primeThreads: cores }));
  const rest = order.filter((j) => cost(j.spec) < WIDE_COST);
  const threads = Math.max(1, Math.min(concurrency, rest.length));
  // Cores left over by the dataset threads go to the prime tasks' next-prime helpers.
  const primeThreads = Math.max(1, Math.floor(cores / threads));
  return { wide, narrow: rest.map((j) => ({ ...j, primeThreads })), threads };
}

/**
 * Loads or builds every dataset: the wide ones (see WIDE_COST) first, in this thread, then the others in
 * parallel on worker threads (bounded by `concurrency`), except those of tasks registered at run time,
 * which only this thread knows: they are built here, after the others. Results come back in the order of `specs`; the
 * first error (usage, damaged, other) is thrown after the running jobs finish, with its class
 * (UsageError, DatasetDamagedError, DatasetGenerationError).
 */
export async function buildDatasets(
  specs: readonly DatasetSpec[],
  datasetDir: string,
  options: BuildOptions = {},
): Promise<BuildResult[]> {
  for (const spec of specs) checkSpec(spec);
  const cores = availableParallelism();
  const plan = planBuilds(specs, datasetDir, options.concurrency ?? cores, cores);
  const results: BuildResult[] = new Array(specs.length);
  let done = 0;
  const accept = (r: JobResult): void => {
    const spec = specs[r.index] as DatasetSpec;
    const result: BuildResult = {
      spec,
      dataset: r.dataset,
      reused: r.reused,
      path: r.path,
      ms: r.ms,
      ...(r.replaced ? { replaced: r.replaced } : {}),
    };
    results[r.index] = result;
    options.onProgress?.(result, ++done, specs.length);
  };

  for (const job of plan.wide) accept(await runJob(job));
  // A task registered at run time exists only in this thread (workers import the registry afresh).
  const here = plan.threads === 1 ? plan.narrow : plan.narrow.filter((j) => !isBuiltInTask(j.spec.fn));
  const pooled = plan.threads === 1 ? [] : plan.narrow.filter((j) => isBuiltInTask(j.spec.fn));
  if (pooled.length > 0) {
    const pool = new WorkerPool<BuildJob, JobResult>(moduleBeside(import.meta.url, "./build-worker"), {
      size: Math.min(plan.threads, pooled.length),
      errorClasses: [UsageError, DatasetDamagedError, DatasetGenerationError],
    });
    try {
      await pool.run(pooled, accept);
    } finally {
      await pool.terminate();
    }
  }
  for (const job of here) accept(await runJob(job));
  return results;
}
