import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
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

/**
 * threads: how many threads next-prime batches may use (default: the number of cores; 1 = no helpers);
 * buildDatasets lowers it in its workers when they already occupy the cores. minParallelMs: see above.
 */
export function configureNextPrimes(options: { threads?: number; minParallelMs?: number }): void {
  const t = options.threads ?? threads;
  if (!Number.isInteger(t) || t < 1) throw new RangeError(`next-prime threads must be >= 1, got ${t}`);
  threads = t;
  minParallelMs = options.minParallelMs ?? minParallelMs;
}

/** Rough single-thread cost of one next-prime after n, in ms (measured: 35 µs at 20 digits, ~0.8 ms at 100). */
function estimatedMs(n: bigint): number {
  const bits = n.toString(16).length * 4;
  return 0.035 * (bits / 66) ** 2;
}

interface Helper {
  readonly worker: Worker;
  readonly pending: Map<number, { resolve: (p: bigint[]) => void; reject: (e: Error) => void }>;
}

const helpers: Helper[] = [];
let nextId = 0;

/** The worker entry: compiled .js next to this module, or the .ts source run through tsx (tests, tsx). */
function spawnWorker(): Worker {
  const here = import.meta.url;
  if (here.endsWith(".js")) return new Worker(new URL("./next-prime-worker.js", here));
  const require = createRequire(here);
  const tsxApi = pathToFileURL(
    require.resolve("tsx/package.json").replace(/package\.json$/, "dist/esm/api/index.mjs"),
  );
  const target = new URL("./next-prime-worker.ts", here);
  const code = `import(${JSON.stringify(tsxApi.href)}).then((m) => { m.register(); return import(${JSON.stringify(target.href)}); });`;
  return new Worker(code, { eval: true });
}

function helper(i: number): Helper {
  let h = helpers[i];
  if (!h) {
    const worker = spawnWorker();
    const pending: Helper["pending"] = new Map();
    worker.on("message", (m: { id: number; primes: bigint[] }) => {
      pending.get(m.id)?.resolve(m.primes);
      pending.delete(m.id);
      if (pending.size === 0) worker.unref();
    });
    worker.on("error", (err) => {
      for (const p of pending.values()) p.reject(err);
      pending.clear();
      helpers[i] = undefined as unknown as Helper;
    });
    worker.unref(); // idle helpers never keep the process alive
    h = { worker, pending };
    helpers[i] = h;
  }
  return h;
}

function ask(h: Helper, starts: bigint[]): Promise<bigint[]> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    h.pending.set(id, { resolve, reject });
    h.worker.ref(); // a batch in flight keeps the process alive
    h.worker.postMessage({ id, starts });
  });
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
  const asked = Array.from({ length: t - 1 }, (_, i) =>
    ask(helper(i), starts.slice((i + 1) * size, (i + 2) * size)),
  );
  const own = starts.slice(0, size).map((s) => engine.nextPrime(s));
  return own.concat(...(await Promise.all(asked)));
}
