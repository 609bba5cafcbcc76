// The CLI from source with one more task, fn_broken, whose example generation fails as a bug would (a
// TypeError inside its sampler): `spawnCli(args, cwd, env, { entry: BROKEN_TASK_ENTRY })`.
import { main } from "../../src/cli/main.js";
import { registerTask } from "../../src/tasks/registry.js";

registerTask({
  id: "fn_broken",
  name: "broken_sampler",
  decimal: false,
  paperLengths: [8],
  checkLength: () => null,
  label: () => 0,
  sample: async () => {
    throw new TypeError("Cannot read properties of undefined (reading 'length')");
  },
});

process.exitCode = await main(process.argv);
