/**
 * The unit of work that next-prime-pool.ts shares between threads: a job (all the starts and a shared
 * counter) cut into chunks of CHUNK starts, which each thread claims with one atomic add and answers with
 * its own engine. Here, not in the pool, so that the worker thread (next-prime-worker.ts) and the pool
 * that starts it both depend on this file and not on each other.
 *
 * Invariant: every chunk index below ceil(starts / CHUNK) is claimed by exactly one thread; the answer to
 * a chunk does not depend on which thread claimed it.
 */
import type { NextPrimeEngine } from "./next-prime-engine.js";

/** Starts per chunk: ~15 ms of work at 100 digits, ~1 ms at 20. */
export const CHUNK = 32;

/** A helper's job: all the starts, and the counter of chunks claimed so far. */
export interface ChunkJob {
  readonly starts: readonly bigint[];
  readonly counter: SharedArrayBuffer;
}

/** The chunks a thread claimed (their indices) and their next primes. */
export interface ChunkResult {
  readonly chunks: number[];
  readonly primes: bigint[][];
}

/** Claims chunks from the job's counter until none is left, and answers them. */
export function runChunks(engine: NextPrimeEngine, job: ChunkJob): ChunkResult {
  const counter = new Int32Array(job.counter);
  const total = Math.ceil(job.starts.length / CHUNK);
  const out: ChunkResult = { chunks: [], primes: [] };
  for (;;) {
    const c = Atomics.add(counter, 0, 1);
    if (c >= total) return out;
    out.chunks.push(c);
    out.primes.push(engine.nextPrimes(job.starts.slice(c * CHUNK, (c + 1) * CHUNK)));
  }
}
