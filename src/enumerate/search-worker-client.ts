/** Starts search-worker in a worker thread and waits for its result; terminate() stops it at once. */
import { moduleBeside, startWorker } from "../core/worker-pool.js";
import type { EnumerationBudget, LabelledInput, SearchStats } from "./search.js";

export interface FoundProgram {
  /** Python module defining f(x). */
  readonly code: string;
  /** The enumerator's own compact form. */
  readonly expression: string;
  readonly size: number;
  readonly train_errors: number;
}

export interface WorkerResult {
  readonly found: readonly FoundProgram[];
  readonly stats: SearchStats;
}

export interface SearchJob {
  readonly result: Promise<WorkerResult>;
  terminate(): Promise<void>;
}

export function startSearch(train: readonly LabelledInput[], budget: EnumerationBudget): SearchJob {
  // search-worker.js beside this file when built; search-worker.ts through tsx from the sources.
  const worker = startWorker(moduleBeside(import.meta.url, "./search-worker"), {
    train: train.map((e) => ({ x: e.x, y: e.y })),
    budget,
  });
  let settled = false;
  const result = new Promise<WorkerResult>((resolve, reject) => {
    worker.once("message", (m: WorkerResult) => {
      settled = true;
      resolve(m);
      void worker.terminate();
    });
    worker.once("error", (e) => {
      settled = true;
      reject(e);
    });
    worker.once("exit", (code) => {
      if (!settled) reject(new Error(`enumerator worker exited with code ${code} before its result`));
    });
  });
  return {
    result,
    terminate: async () => {
      await worker.terminate();
    },
  };
}
