// Runs the CLI from source (tests spawn it with `node --import tsx test/helpers/cli-entry.ts run ...`).
import { main } from "../../src/cli/main.js";

process.exitCode = await main(process.argv);
