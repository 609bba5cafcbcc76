/**
 * A helper thread of next-prime-pool.ts: claims chunks of a job's starts and answers their next primes
 * with its own engine. Found at run time beside the pool (moduleBeside), from src/ under tsx and from dist/.
 */
import { serveJobs } from "../core/worker-pool.js";
import { type ChunkJob, runChunks } from "./next-prime-chunks.js";
import { getNextPrimeEngine } from "./next-prime-engine.js";

const engine = await getNextPrimeEngine();
serveJobs((job: ChunkJob) => runChunks(engine, job));
