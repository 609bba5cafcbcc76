import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { type BuildJob, fromJobError, type JobResult, runJob } from "./build-job.js";
import { checkSpec, type DatasetSpec } from "./spec.js";
import type { Dataset } from "./store.js";

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

/** The worker entry: compiled .js next to this module, or the .ts source run through tsx (tests, tsx). */
function spawnWorker(): Worker {
  const here = import.meta.url;
  if (here.endsWith(".js")) return new Worker(new URL("./build-worker.js", here));
  const require = createRequire(here);
  const tsxApi = pathToFileURL(
    require.resolve("tsx/package.json").replace(/package\.json$/, "dist/esm/api/index.mjs"),
  );
  const target = new URL("./build-worker.ts", here);
  const code = `import(${JSON.stringify(tsxApi.href)}).then((m) => { m.register(); return import(${JSON.stringify(target.href)}); });`;
  return new Worker(code, { eval: true });
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
  const results: (BuildResult | undefined)[] = new Array(jobs.length);
  let failure: Error | undefined;
  let done = 0;
  const accept = (r: JobResult): void => {
    if (!r.ok) {
      failure ??= fromJobError(r.error);
      return;
    }
    const spec = specs[r.index] as DatasetSpec;
    const result: BuildResult = { spec, dataset: r.dataset, reused: r.reused, path: r.path, ms: r.ms };
    results[r.index] = result;
    options.onProgress?.(result, ++done, jobs.length);
  };

  if (threads === 1) {
    for (const job of order) {
      if (failure) break;
      accept(await runJob(job));
    }
  } else {
    let next = 0;
    const lane = async (): Promise<void> => {
      const worker = spawnWorker();
      try {
        while (next < order.length && failure === undefined) {
          const job = order[next++] as BuildJob;
          const result = await new Promise<JobResult>((resolve, reject) => {
            const onError = (err: Error) => reject(err);
            worker.once("error", onError);
            worker.once("message", (m: JobResult) => {
              worker.off("error", onError);
              resolve(m);
            });
            worker.postMessage(job);
          });
          accept(result);
        }
      } catch (err) {
        failure ??= err instanceof Error ? err : new Error(String(err));
      } finally {
        await worker.terminate();
      }
    };
    await Promise.all(Array.from({ length: threads }, lane));
  }
  if (failure) throw failure;
  return results as BuildResult[];
}
