/**
 * Next primes of many starts on several threads: this one plus helper worker threads, each with its own
 * engine. The starts are cut into small chunks that every thread claims from one shared counter, so a
 * helper that starts late (a thread's start-up costs ~50-100 ms) simply claims fewer, and all threads end
 * within about a chunk of each other. The result is a pure function of the starts (each next prime is),
 * so the output is the same whatever the thread count; only the speed changes.
 *
 * Invariant: nextPrimes(starts)[i] is nextPrime(starts[i]) for every thread count and chunking.
 */
import { availableParallelism } from "node:os";
import { moduleBeside, WorkerPool } from "../core/worker-pool.js";
import { CHUNK, type ChunkJob, type ChunkResult, runChunks } from "./next-prime-chunks.js";
import { getNextPrimeEngine } from "./next-prime-engine.js";

let threads = availableParallelism();
/** A batch goes parallel only if its estimated single-thread time exceeds this (at the paper's 5100 primes:
 * from 30 digits on; a helper's start and warm-up cost ~0.1 s). */
export const DEFAULT_MIN_PARALLEL_MS = 100;
let minParallelMs = DEFAULT_MIN_PARALLEL_MS;

/** The helper threads (at most threads - 1), started on first use and kept; idle ones do not hold the
 * process open. */
let helpers: WorkerPool<ChunkJob, ChunkResult> | undefined;

/**
 * threads: how many threads next-prime batches may use (default: the number of cores; 1 = no helpers);
 * buildDatasets lowers it in its workers when they already occupy the cores. minParallelMs: see above.
 */
export function configureNextPrimes(options: { threads?: number; minParallelMs?: number }): void {
  const t = options.threads ?? threads;
  if (!Number.isInteger(t) || t < 1) throw new RangeError(`next-prime threads must be >= 1, got ${t}`);
  threads = t;
  helpers?.resize(Math.max(1, t - 1));
  minParallelMs = options.minParallelMs ?? minParallelMs;
}

/** Rough single-thread cost of one next-prime after n, in ms: ~0.27 ms at 100 digits (332 bits), growing
 * as bits^2 (measured 13 µs at 20 digits, 52 µs at 50; benchmarks/primality.bench.ts). */
function estimatedMs(n: bigint): number {
  const bits = n.toString(16).length * 4;
  return 0.27 * (bits / 332) ** 2;
}

function helperPool(): WorkerPool<ChunkJob, ChunkResult> {
  helpers ??= new WorkerPool(moduleBeside(import.meta.url, "./next-prime-worker"), {
    size: Math.max(1, threads - 1),
  });
  return helpers;
}

/** nextPrime of each start (the smallest prime > start), in order; on several threads when it pays. */
export async function nextPrimes(starts: readonly bigint[]): Promise<bigint[]> {
  const first = starts[0];
  const work = first === undefined ? 0 : starts.length * estimatedMs(first);
  const t = work < minParallelMs ? 1 : Math.min(threads, Math.ceil(starts.length / CHUNK));
  if (t <= 1) return (await getNextPrimeEngine()).nextPrimes(starts);
  // the helpers first: a thread takes ~50-100 ms to start
  const job: ChunkJob = { starts, counter: new SharedArrayBuffer(4) };
  const asked = helperPool().run(Array.from({ length: t - 1 }, () => job));
  const engine = await getNextPrimeEngine();
  const results = [runChunks(engine, job)];
  // Every chunk is claimed once this thread's loop ends: if it answered them all, the helpers (maybe
  // still starting up; they will find nothing left) need not be awaited.
  if (results[0]?.chunks.length !== Math.ceil(starts.length / CHUNK)) results.push(...(await asked));
  else asked.catch(() => undefined);
  const out: bigint[] = new Array(starts.length);
  for (const r of results)
    r.chunks.forEach((c, i) => {
      (r.primes[i] as bigint[]).forEach((p, j) => {
        out[c * CHUNK + j] = p;
      });
    });
  return out;
}
