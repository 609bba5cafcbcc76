import { parentPort } from "node:worker_threads";
import { type BuildJob, runJob } from "./build-job.js";

/** Worker thread of buildDatasets: builds (or reuses) one dataset per message. */
parentPort?.on("message", async (job: BuildJob) => {
  parentPort?.postMessage(await runJob(job));
});
