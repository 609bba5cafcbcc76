import { afterEach, describe, expect, it } from "vitest";
import { moduleBeside, startWorker, WorkerPool } from "../../src/core/worker-pool.js";
import { CodedError } from "./fixtures/coded-error.js";
import type { PoolJob } from "./fixtures/pool-worker.js";

type Reply = { value: number; thread: number };
const entry = moduleBeside(import.meta.url, "./fixtures/pool-worker");
const echo = (value: number, delayMs = 0): PoolJob => ({ kind: "echo", value, delayMs });

let pool: WorkerPool<PoolJob, Reply> | undefined;
const makePool = (size: number): WorkerPool<PoolJob, Reply> => {
  pool = new WorkerPool<PoolJob, Reply>(entry, { size, errorClasses: [CodedError] });
  return pool;
};
afterEach(async () => {
  await pool?.terminate();
  pool = undefined;
});

describe("WorkerPool", () => {
  it("returns results in job order while they complete out of order, on at most `size` workers", async () => {
    const p = makePool(2);
    // A slow job first: the other worker finishes the rest before it, so completion order differs.
    const jobs = [echo(1, 600), echo(2, 5), echo(3, 20), echo(4, 0), echo(5, 10)];
    const completed: number[] = [];
    const results = await p.run(jobs, (_, index) => completed.push(index));
    expect(results.map((r) => r.value)).toEqual([2, 4, 6, 8, 10]);
    expect(completed).not.toEqual([0, 1, 2, 3, 4]);
    expect([...completed].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(new Set(results.map((r) => r.thread)).size).toBe(2);
    expect(p.workers).toBe(2);
    // Workers stay for the next run.
    const again = await p.run([echo(7), echo(8)]);
    expect(again.map((r) => r.value)).toEqual([14, 16]);
    expect(new Set([...results, ...again].map((r) => r.thread)).size).toBe(2);
    expect(await p.run([])).toEqual([]);
  });

  it("serves concurrent runs on one pool, each in its own order", async () => {
    const p = makePool(2);
    const [a, b] = await Promise.all([
      p.run([echo(1, 30), echo(2), echo(3)]),
      p.run([echo(10), echo(20, 20), echo(30)]),
    ]);
    expect(a.map((r) => r.value)).toEqual([2, 4, 6]);
    expect(b.map((r) => r.value)).toEqual([20, 40, 60]);
  });

  it("rethrows a job's error with its class and fields, and starts no further job of that run", async () => {
    const p = makePool(1);
    const seen: number[] = [];
    const err = await p
      .run([echo(1), { kind: "throw", code: "E42" }, echo(3)], (r) => seen.push(r.value))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodedError);
    expect(err).toMatchObject({ name: "CodedError", code: "E42", message: "failed with E42" });
    expect((err as Error).stack).toMatch(/pool-worker/);
    expect(seen).toEqual([2]);
    const range = await p.run([{ kind: "range" }]).catch((e: unknown) => e);
    expect(range).toBeInstanceOf(RangeError);
    expect((range as Error).message).toBe("out of range");
    // The worker survives a thrown error.
    expect((await p.run([echo(5)]))[0]?.value).toBe(10);
  });

  it("fails the job of a worker that exits, and replaces the worker", async () => {
    const p = makePool(1);
    const err = await p.run([{ kind: "exit" }]).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/exited with code 3/);
    expect((await p.run([echo(4)]))[0]?.value).toBe(8);
  });

  it("terminate rejects running and waiting jobs, ends the workers and refuses new runs", async () => {
    const p = makePool(1);
    const running = p.run([echo(1, 5_000), echo(2)]).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    expect(p.workers).toBe(1);
    await p.terminate();
    expect(((await running) as Error).message).toMatch(/terminated/);
    expect(p.workers).toBe(0);
    await expect(p.run([echo(3)])).rejects.toThrow(/terminated/);
  });

  it("resize ends idle workers beyond the new size and rejects a size below 1", async () => {
    const p = makePool(3);
    await p.run([echo(1, 20), echo(2, 20), echo(3, 20)]);
    expect(p.workers).toBe(3);
    p.resize(1);
    expect(p.workers).toBe(1);
    const results = await p.run([echo(1), echo(2), echo(3)]);
    expect(new Set(results.map((r) => r.thread)).size).toBe(1);
    expect(() => p.resize(0)).toThrow(RangeError);
    expect(() => new WorkerPool(entry, { size: 1.5 })).toThrow(/>= 1/);
  });
});

describe("startWorker", () => {
  it("starts a .ts module through tsx and passes it workerData", async () => {
    const worker = startWorker(moduleBeside(import.meta.url, "./fixtures/data-worker"), { n: 7n, s: "x" });
    try {
      const got = await new Promise((resolve, reject) => {
        worker.once("message", resolve);
        worker.once("error", reject);
      });
      expect(got).toEqual({ n: 7n, s: "x" });
    } finally {
      await worker.terminate();
    }
  });
});
