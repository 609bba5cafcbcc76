import { serveJobs } from "../core/worker-pool.js";
import { getNextPrimeEngine } from "./next-prime-gmp.js";

/** Helper thread of next-prime-pool: answers each batch of starts with their next primes, in order. */
const engine = await getNextPrimeEngine();
serveJobs((starts: bigint[]) => starts.map((s) => engine.nextPrime(s)));
