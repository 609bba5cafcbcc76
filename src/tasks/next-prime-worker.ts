import { parentPort } from "node:worker_threads";
import { getNextPrimeEngine } from "./next-prime-gmp.js";

/** Helper thread of next-prime-pool: answers each batch of starts with their next primes, in order. */
const engine = await getNextPrimeEngine();
parentPort?.on("message", (m: { id: number; starts: bigint[] }) => {
  parentPort?.postMessage({ id: m.id, primes: m.starts.map((s) => engine.nextPrime(s)) });
});
