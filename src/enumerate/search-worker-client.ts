/** Starts search-worker in a worker thread and waits for its result; terminate() stops it at once. */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { Example } from "../core/example.js";
import type { EnumerationBudget, SearchStats } from "./search.js";

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

/**
 * From the built package the worker is search-worker.js beside this file. From TypeScript sources
 * (tests, tsx) it is search-worker.ts, loaded through tsx's API, since a worker does not inherit
 * the parent's loader.
 */
function spawn(workerData: unknown): Worker {
  const self = import.meta.url;
  if (!self.endsWith(".ts")) return new Worker(new URL("./search-worker.js", self), { workerData });
  const tsxApi = tsxEsmApi(self);
  const entry = new URL("./search-worker.ts", self).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then((api) => api.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(self)}));`;
  return new Worker(boot, { eval: true, workerData });
}

/** The ESM entry of tsx's API, as its package exports map names it for `import`. */
function tsxEsmApi(from: string): string {
  const require = createRequire(from);
  const pkgPath = require.resolve("tsx/package.json");
  const pkg = JSON.parse(readFileSync(pkgPath, "utf8")) as {
    exports: Record<string, { import?: { default?: string } } | string>;
  };
  const entry = pkg.exports["./esm/api"];
  const rel = typeof entry === "object" ? entry.import?.default : undefined;
  if (rel === undefined) throw new Error(`tsx at ${pkgPath} has no ESM API export`);
  return pathToFileURL(join(dirname(pkgPath), rel)).href;
}

export function startSearch(train: readonly Example[], budget: EnumerationBudget): SearchJob {
  const worker = spawn({ train: train.map((e) => ({ x: e.x, y: e.y })), budget });
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
