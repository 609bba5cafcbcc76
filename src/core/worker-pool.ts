import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { parentPort, Worker } from "node:worker_threads";

/**
 * A small pool of worker threads that all run one module (which calls `serveJobs`). Jobs go to idle
 * workers in the order they were submitted; a run's results come back in the order of its jobs; an error
 * thrown by a job in a worker is rethrown here with its class (built-in ones and those in
 * `errorClasses`) and its own fields. Workers start lazily, stay for later runs until `terminate`, and an
 * idle worker never keeps the process alive.
 */

/** An error class the pool may rebuild; instances are made without calling the constructor. */
export type ErrorClass = abstract new (...args: never[]) => Error;

export interface WorkerPoolOptions {
  /** The most workers running at once (>= 1). */
  readonly size: number;
  /** Classes of the errors jobs may throw, so that they are rethrown with their class. */
  readonly errorClasses?: readonly ErrorClass[];
}

/** An error as it crosses a thread: its class name, message, stack and own primitive fields. */
interface SentError {
  readonly type: string;
  readonly message: string;
  readonly stack?: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

interface JobMessage<J> {
  readonly id: number;
  readonly job: J;
}

type ReplyMessage<R> =
  | { readonly id: number; readonly ok: true; readonly result: R }
  | { readonly id: number; readonly ok: false; readonly error: SentError };

type Outcome<R> = { readonly ok: true; readonly result: R } | { readonly ok: false; readonly error: unknown };

interface Entry<J, R> {
  readonly job: J;
  /** The run the job belongs to: when it fails, its jobs not yet started are dropped. */
  readonly run: object;
  readonly settle: (outcome: Outcome<R>) => void;
}

interface Slot<J, R> {
  readonly worker: Worker;
  busy?: { readonly id: number; readonly entry: Entry<J, R> };
}

const builtInErrors: readonly ErrorClass[] = [Error, RangeError, TypeError, SyntaxError, ReferenceError];

/** The module `stem` (e.g. "./build-worker") next to `here` (an import.meta.url): `.ts` when this code
 * runs from source through tsx (tests, `npx tsx`), `.js` when it runs compiled from dist. */
export function moduleBeside(here: string, stem: string): URL {
  return new URL(`${stem}${here.endsWith(".ts") ? ".ts" : ".js"}`, here);
}

/** A worker for `entry` (see `moduleBeside`); a .ts entry is loaded through tsx's API, registered
 * inside the worker, since a worker does not inherit the parent's loader. */
export function startWorker(entry: URL, workerData?: unknown): Worker {
  if (!entry.pathname.endsWith(".ts")) return new Worker(entry, { workerData });
  const require = createRequire(import.meta.url);
  const tsxApi = pathToFileURL(
    require.resolve("tsx/package.json").replace(/package\.json$/, "dist/esm/api/index.mjs"),
  );
  const code = `import(${JSON.stringify(tsxApi.href)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(code, { eval: true, workerData });
}

function isPrimitive(v: unknown): boolean {
  return v === null || (typeof v !== "object" && typeof v !== "function" && typeof v !== "symbol");
}

function encodeError(err: unknown): SentError {
  if (!(err instanceof Error)) return { type: "Error", message: String(err), fields: {} };
  const fields = Object.fromEntries(Object.entries(err).filter(([, v]) => isPrimitive(v)));
  return {
    type: err.constructor.name,
    message: err.message,
    ...(err.stack ? { stack: err.stack } : {}),
    fields,
  };
}

function decodeError(sent: SentError, classes: readonly ErrorClass[]): Error {
  const cls = classes.find((c) => c.name === sent.type) ?? Error;
  const err = Object.assign(Object.create(cls.prototype) as Error, sent.fields);
  Object.defineProperty(err, "message", { value: sent.message, writable: true, configurable: true });
  if (sent.stack)
    Object.defineProperty(err, "stack", { value: sent.stack, writable: true, configurable: true });
  return err;
}

/** Worker side: answers each job message with `handle(job)`, or with the error it threw. */
export function serveJobs<J, R>(handle: (job: J) => R | Promise<R>): void {
  const port = parentPort;
  if (!port) throw new Error("serveJobs runs in a worker thread started by WorkerPool");
  port.on("message", async ({ id, job }: JobMessage<J>) => {
    try {
      port.postMessage({ id, ok: true, result: await handle(job) } satisfies ReplyMessage<R>);
    } catch (err) {
      port.postMessage({ id, ok: false, error: encodeError(err) } satisfies ReplyMessage<R>);
    }
  });
}

export class WorkerPool<J, R> {
  readonly #entry: URL;
  readonly #errorClasses: readonly ErrorClass[];
  #size: number;
  readonly #slots: Slot<J, R>[] = [];
  #queue: Entry<J, R>[] = [];
  #nextId = 0;
  #terminated = false;

  constructor(entry: URL, options: WorkerPoolOptions) {
    this.#entry = entry;
    this.#errorClasses = [...(options.errorClasses ?? []), ...builtInErrors];
    this.#size = checkSize(options.size);
  }

  /** Workers running now (busy or idle). */
  get workers(): number {
    return this.#slots.length;
  }

  /** Changes the most workers at once; idle workers beyond it end now. */
  resize(size: number): void {
    this.#size = checkSize(size);
    for (const slot of [...this.#slots].reverse()) {
      if (this.#slots.length <= this.#size) break;
      if (!slot.busy) {
        this.#slots.splice(this.#slots.indexOf(slot), 1);
        void slot.worker.terminate();
      }
    }
  }

  /**
   * Runs the jobs (started in the order given) and resolves with their results in that order. On the
   * first failure no further job of this run starts; the failure is thrown once the running ones end.
   * `onResult` is called as each job succeeds, in completion order.
   */
  run(jobs: readonly J[], onResult?: (result: R, index: number) => void): Promise<R[]> {
    if (this.#terminated) return Promise.reject(new Error("worker pool terminated"));
    return new Promise((resolve, reject) => {
      const results: R[] = new Array(jobs.length);
      const run = {};
      let open = jobs.length;
      let failure: { error: unknown } | undefined;
      const finish = (count: number): void => {
        open -= count;
        if (open === 0) failure ? reject(failure.error) : resolve(results);
      };
      const fail = (error: unknown): void => {
        if (failure) return;
        failure = { error };
        const before = this.#queue.length;
        this.#queue = this.#queue.filter((e) => e.run !== run);
        finish(before - this.#queue.length);
      };
      if (open === 0) return resolve(results);
      for (const [index, job] of jobs.entries()) {
        const settle = (outcome: Outcome<R>): void => {
          if (outcome.ok) {
            results[index] = outcome.result;
            try {
              onResult?.(outcome.result, index);
            } catch (err) {
              fail(err);
            }
          } else fail(outcome.error);
          finish(1);
        };
        this.#queue.push({ job, run, settle });
      }
      this.#dispatch();
    });
  }

  /** Ends every worker; jobs running or waiting are rejected. The pool takes no jobs after this. */
  async terminate(): Promise<void> {
    this.#terminated = true;
    const error = new Error("worker pool terminated");
    for (const entry of this.#queue.splice(0)) entry.settle({ ok: false, error });
    const slots = this.#slots.splice(0);
    for (const slot of slots) {
      const busy = slot.busy;
      slot.busy = undefined;
      busy?.entry.settle({ ok: false, error });
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      const slot = this.#slots.find((s) => !s.busy) ?? this.#start();
      if (!slot) return;
      const entry = this.#queue.shift() as Entry<J, R>;
      const id = this.#nextId++;
      slot.busy = { id, entry };
      slot.worker.ref(); // a job in flight keeps the process alive
      try {
        slot.worker.postMessage({ id, job: entry.job } satisfies JobMessage<J>);
      } catch (error) {
        // A job that cannot be cloned to the thread fails alone.
        slot.busy = undefined;
        slot.worker.unref();
        entry.settle({ ok: false, error });
      }
    }
  }

  #start(): Slot<J, R> | undefined {
    if (this.#terminated || this.#slots.length >= this.#size) return undefined;
    const worker = startWorker(this.#entry);
    const slot: Slot<J, R> = { worker };
    worker.unref();
    worker.on("message", (m: ReplyMessage<R>) => {
      const busy = slot.busy;
      if (busy?.id !== m.id) return;
      slot.busy = undefined;
      worker.unref();
      busy.entry.settle(
        m.ok
          ? { ok: true, result: m.result }
          : { ok: false, error: decodeError(m.error, this.#errorClasses) },
      );
      this.#dispatch();
    });
    // A crashed or exited worker fails its job and leaves the pool; the next job starts a new one.
    const lost = (error: Error): void => {
      const at = this.#slots.indexOf(slot);
      if (at < 0) return;
      this.#slots.splice(at, 1);
      const busy = slot.busy;
      slot.busy = undefined;
      busy?.entry.settle({ ok: false, error });
      this.#dispatch();
    };
    worker.on("error", lost);
    worker.on("exit", (code) => lost(new Error(`worker ${this.#entry.href} exited with code ${code}`)));
    this.#slots.push(slot);
    return slot;
  }
}

function checkSize(size: number): number {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`worker pool size must be >= 1, got ${size}`);
  return size;
}
