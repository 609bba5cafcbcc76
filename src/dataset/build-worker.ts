import { serveJobs } from "../core/worker-pool.js";
import { runJob } from "./build-job.js";

/** Worker thread of buildDatasets: builds (or reuses) one dataset per job. */
serveJobs(runJob);
