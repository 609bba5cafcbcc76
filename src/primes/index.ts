/**
 * What the rest of llm-erm uses of the prime machinery (docs/primes.md): the primality test (BPSW), next
 * primes one at a time or in batches on several threads, and the thread setting of those batches.
 * The kernels and the engine behind them are internal to this folder.
 */
export { createNextPrimeEngine, getNextPrimeEngine, type NextPrimeEngine } from "./next-prime-engine.js";
export { configureNextPrimes, DEFAULT_MIN_PARALLEL_MS, nextPrimes } from "./next-prime-pool.js";
export { isProbablePrime, nextPrime } from "./primality.js";
