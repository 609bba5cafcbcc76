import { serveJobs } from "../core/worker-pool.js";
import { getNextPrimeEngine } from "./next-prime-engine.js";
import { type ChunkJob, runChunks } from "./next-prime-pool.js";

/** Helper thread of next-prime-pool: claims chunks of a job's starts and answers their next primes. */
const engine = await getNextPrimeEngine();
serveJobs((job: ChunkJob) => runChunks(engine, job));
