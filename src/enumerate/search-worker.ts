/**
 * Worker-thread entry: runs one search on the training examples it is given and posts the result
 * (programs already rendered as Python), so the search never blocks the runner's event loop.
 */
import { parentPort, workerData } from "node:worker_threads";
import { z } from "zod";
import { prettyProgram, toPython } from "./expr.js";
import { search } from "./search.js";
import type { WorkerResult } from "./search-worker-client.js";

const InputSchema = z.object({
  train: z.array(z.object({ x: z.string(), y: z.union([z.number(), z.string()]) })),
  budget: z.object({
    maxPrograms: z.number().positive(),
    maxSeconds: z.number().positive(),
    maxSize: z.number().int().positive(),
    proposals: z.number().int().nonnegative(),
  }),
});

const input = InputSchema.parse(workerData);
const result = search(input.train, input.budget);
const message: WorkerResult = {
  found: result.found.map((f) => ({
    code: toPython(f.program),
    expression: prettyProgram(f.program),
    size: f.size,
    train_errors: f.trainErrors,
  })),
  stats: result.stats,
};
parentPort?.postMessage(message);
