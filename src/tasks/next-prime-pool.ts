import { availableParallelism } from "node:os";
import { moduleBeside, WorkerPool } from "../core/worker-pool.js";
import { getNextPrimeEngine } from "./next-prime-gmp.js";

/**
 * Next primes of many starts on several threads: this one plus helper worker threads, each with its own
 * GMP engine. The result is a pure function of the starts (each next prime is), so the output is the
 * same whatever the thread count; only the speed changes.
 */

/** Each thread gets at least this many starts. */
const MIN_CHUNK = 16;

let threads = availableParallelism();
/** A batch goes parallel only if its estimated single-thread time exceeds this (a helper's start-up
 * costs ~0.1-0.3 s once per process). */
let minParallelMs = 400;

/** The helper threads (at most threads - 1), started on first use and kept; idle ones do not hold the
 * process open. */
let helpers: WorkerPool<bigint[], bigint[]> | undefined;

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

/** Rough single-thread cost of one next-prime after n, in ms (measured: 35 µs at 20 digits, ~0.8 ms at 100). */
function estimatedMs(n: bigint): number {
  const bits = n.toString(16).length * 4;
  return 0.035 * (bits / 66) ** 2;
}

function helperPool(): WorkerPool<bigint[], bigint[]> {
  helpers ??= new WorkerPool(moduleBeside(import.meta.url, "./next-prime-worker"), {
    size: Math.max(1, threads - 1),
  });
  return helpers;
}

/** nextPrime of each start (the smallest prime > start), in order; on several threads when it pays. */
export async function nextPrimes(starts: readonly bigint[]): Promise<bigint[]> {
  const engine = await getNextPrimeEngine();
  const first = starts[0];
  const work = first === undefined ? 0 : starts.length * estimatedMs(first);
  const t = work < minParallelMs ? 1 : Math.min(threads, Math.floor(starts.length / MIN_CHUNK));
  if (t <= 1) return starts.map((s) => engine.nextPrime(s));
  // Contiguous chunks; this thread takes the first while the helpers work on the rest.
  const size = Math.ceil(starts.length / t);
  const chunks = Array.from({ length: t - 1 }, (_, i) => starts.slice((i + 1) * size, (i + 2) * size));
  const asked = helperPool().run(chunks);
  const own = starts.slice(0, size).map((s) => engine.nextPrime(s));
  return own.concat(...(await asked));
}
