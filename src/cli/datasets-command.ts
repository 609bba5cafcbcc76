import { existsSync } from "node:fs";
import { type Command, Option } from "commander";
import { ExitCode, UsageError } from "../core/errors.js";
import { type BuildResult, buildDatasets } from "../dataset/build-pool.js";
import { formatExample } from "../dataset/line-format.js";
import { type DatasetSpec, datasetPath, planSpecs } from "../dataset/spec.js";
import { DatasetDamagedError, examineDataset } from "../dataset/store.js";
import { getTask, skippedLine } from "../tasks/registry.js";
import { alphabetName } from "../tasks/task.js";
import { registerAuditCommand } from "./audit-command.js";
import type { GridOptions } from "./grid-options.js";
import { addGridOptions, readGridOptions } from "./grid-options.js";

const positiveInt =
  (flag: string) =>
  (value: string): number => {
    if (!/^\d+$/.test(value.trim()) || Number.parseInt(value, 10) < 1) {
      throw new UsageError(`${flag}: expected a positive integer, got '${value}'`);
    }
    return Number.parseInt(value, 10);
  };

/** The grid's specs; tasks left out of `--lengths` (not named with --functions) are said in one line. */
function gridSpecs(grid: GridOptions): DatasetSpec[] {
  const { specs, skipped } = planSpecs(grid);
  const note = skippedLine(skipped);
  if (note !== undefined) process.stderr.write(`llm-erm: ${note}\n`);
  return specs;
}

const status = (r: BuildResult): string => (r.reused ? "reused" : r.replaced ? "rebuilt" : "built");

/** `llm-erm datasets build|verify|show`: the grid's datasets, in the Python runner's layout. */
export function registerDatasetsCommand(program: Command): void {
  const datasets = program
    .command("datasets")
    .description(
      "build, verify, show or audit the grid's datasets (<dataset-dir>/<target>/L<L>/seed<derived>/)",
    );

  addGridOptions(
    datasets
      .command("build")
      .description(
        "build every missing dataset of the grid (reuses existing ones, the Python runner's included)",
      )
      .addOption(
        new Option("--jobs <n>", "worker threads (default: the number of cores)").argParser(
          positiveInt("--jobs"),
        ),
      ),
  ).action(async (opts: Record<string, unknown>) => {
    const grid = readGridOptions(opts);
    const specs = gridSpecs(grid);
    const started = performance.now();
    try {
      const results = await buildDatasets(specs, grid.datasetDir, {
        ...(typeof opts.jobs === "number" ? { concurrency: opts.jobs } : {}),
        onProgress: (r, done, total) =>
          process.stderr.write(
            `[${done}/${total}] ${r.spec.fn} L=${r.spec.length} ${status(r)} ${r.ms.toFixed(0)} ms${
              r.replaced
                ? ` (its directory held train ${r.replaced.train}, val ${r.replaced.val}, test ${r.replaced.test}: regenerated for these sizes)`
                : ""
            }\n`,
          ),
      });
      process.stdout.write("| fn | L | status | ms | path |\n|---|---|---|---|---|\n");
      for (const r of results) {
        process.stdout.write(
          `| ${r.spec.fn} | ${r.spec.length} | ${status(r)} | ${r.ms.toFixed(0)} | ${r.path} |\n`,
        );
      }
      const built = results.filter((r) => !r.reused).length;
      process.stdout.write(
        `\n${built} built, ${results.length - built} reused in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
      );
    } catch (err) {
      if (!(err instanceof DatasetDamagedError)) throw err;
      process.stderr.write(`llm-erm: ${err.message}\n`);
      process.exitCode = ExitCode.damaged;
    }
  });

  addGridOptions(
    datasets
      .command("verify")
      .description("check every dataset of the grid: checksums, line format, sizes, every label, balance"),
  ).action(async (opts: Record<string, unknown>) => {
    const grid = readGridOptions(opts);
    let damaged = 0;
    let missing = 0;
    for (const spec of gridSpecs(grid)) {
      const path = datasetPath(grid.datasetDir, spec);
      const head = `${spec.fn} L=${spec.length} ${path}`;
      if (!existsSync(path)) {
        missing++;
        process.stdout.write(`missing  ${head}\n`);
        continue;
      }
      try {
        const state = await examineDataset(path, spec, { deep: true });
        const d = state.dataset;
        const checked = d.writtenBy === "llm-erm" ? "sha256 ok" : "python runner, no checksums";
        if (state.kind === "other-sizes") {
          // Not damaged: the directory is shared by every train/val split of the same sum.
          missing++;
          process.stdout.write(
            `other    ${head} (${checked}, built for train ${state.sizes.train}, val ${state.sizes.val}, test ${state.sizes.test})\n`,
          );
        } else process.stdout.write(`ok       ${head} (${checked})\n`);
      } catch (err) {
        if (!(err instanceof DatasetDamagedError)) throw err;
        damaged++;
        process.stdout.write(`DAMAGED  ${head}: ${err.file}: ${err.problem}\n`);
      }
    }
    if (damaged > 0) {
      process.stderr.write(
        `llm-erm: ${damaged} damaged dataset(s); delete them and run \`llm-erm datasets build\`\n`,
      );
      process.exitCode = ExitCode.damaged;
    } else if (missing > 0) {
      process.stderr.write(
        `llm-erm: ${missing} dataset(s) not built yet for these sizes; run \`llm-erm datasets build\`\n`,
      );
      process.exitCode = ExitCode.failure;
    }
  });

  addGridOptions(
    datasets
      .command("show")
      .description("print where each dataset lives, whether it exists, and its first training lines")
      .addOption(
        new Option("--lines <n>", "training lines to print per dataset")
          .default(5)
          .argParser(positiveInt("--lines")),
      ),
  ).action(async (opts: Record<string, unknown>) => {
    const grid = readGridOptions(opts);
    const lines = typeof opts.lines === "number" ? opts.lines : 5;
    for (const spec of gridSpecs(grid)) {
      const task = getTask(spec.fn);
      const path = datasetPath(grid.datasetDir, spec);
      process.stdout.write(`${spec.fn} (${task.name}, ${alphabetName(task)}) L=${spec.length}\n  ${path}\n`);
      if (!existsSync(path)) {
        process.stdout.write("  not built\n");
        continue;
      }
      try {
        const state = await examineDataset(path, spec);
        const d = state.dataset;
        if (state.kind === "other-sizes")
          process.stdout.write(
            "  built for other split sizes (`datasets build` regenerates it for these):\n",
          );
        process.stdout.write(
          `  train ${d.train.length}, val ${d.val.length}, test ${d.test.length}; derived seed ${d.derivedSeed}; written by ${d.writtenBy}\n`,
        );
        for (const e of d.train.slice(0, lines)) process.stdout.write(`  ${formatExample(e)}\n`);
      } catch (err) {
        if (!(err instanceof DatasetDamagedError)) throw err;
        process.stdout.write(`  DAMAGED: ${err.file}: ${err.problem}\n`);
        process.exitCode = ExitCode.damaged;
      }
    }
  });

  registerAuditCommand(datasets);
}
