import { type Command, Option } from "commander";
import type { Env } from "../core/env.js";
import { UsageError } from "../core/errors.js";
import { type GridOptions, GridOptionsSchema } from "../core/grid-options.js";

export { type GridOptions, GridOptionsSchema } from "../core/grid-options.js";

const intArg =
  (flag: string) =>
  (value: string): number => {
    if (!/^-?\d+$/.test(value.trim())) throw new UsageError(`${flag}: expected an integer, got '${value}'`);
    return Number.parseInt(value, 10);
  };

const intListArg =
  (flag: string) =>
  (value: string, previous: number[] | undefined): number[] => {
    const parsed = value
      .split(/[\s,]+/)
      .filter(Boolean)
      .map(intArg(flag));
    return [...(previous ?? []), ...parsed];
  };

const stringListArg = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  ...value.split(/[\s,]+/).filter(Boolean),
];

const envInt = (env: Env, name: string, fallback: number): number => {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^-?\d+$/.test(raw.trim()))
    throw new UsageError(`environment variable ${name}: expected an integer, got '${raw}'`);
  return Number.parseInt(raw, 10);
};

/** Adds the grid and data flags to a command. */
export function addGridOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option("--functions <ids...>", "function ids, e.g. fn_a fn_b (default: all twelve)").argParser(
        stringListArg,
      ),
    )
    .addOption(
      new Option(
        "--lengths <L...>",
        "input lengths (default: the paper's 100 50 30 25 20; fn_h 100 80 60 40 20)",
      ).argParser(intListArg("--lengths")),
    )
    .addOption(
      new Option("--train-size <n>", "training examples, even (default: 100) [env TRAIN_SIZE]").argParser(
        intArg("--train-size"),
      ),
    )
    .addOption(
      new Option("--val-size <n>", "validation examples, even (default: 100) [env VAL_SIZE]").argParser(
        intArg("--val-size"),
      ),
    )
    .addOption(
      new Option("--test-size <n>", "test examples (default: 10000) [env TEST_SIZE]").argParser(
        intArg("--test-size"),
      ),
    )
    .addOption(
      new Option("--seed <n>", "base seed (default: 42) [env GLOBAL_SEED]").argParser(intArg("--seed")),
    )
    .addOption(
      new Option("--dataset-dir <dir>", "where datasets live (default: datasets) [env DATASET_DIR]"),
    );
}

/**
 * Reads the grid flags a command parsed, filling defaults from the environment, then the paper. The
 * built-in tasks draw half positives, half negatives, so their sizes are even; a user's file (`run
 * --data`, a stratified split) takes any size (`evenSizes: false`).
 */
export function readGridOptions(
  opts: Record<string, unknown>,
  { evenSizes = true, env = process.env }: { evenSizes?: boolean; env?: Env } = {},
): GridOptions {
  const candidate = {
    functions: opts.functions,
    lengths: opts.lengths,
    trainSize: opts.trainSize ?? envInt(env, "TRAIN_SIZE", 100),
    valSize: opts.valSize ?? envInt(env, "VAL_SIZE", 100),
    testSize: opts.testSize ?? envInt(env, "TEST_SIZE", 10000),
    seed: opts.seed ?? envInt(env, "GLOBAL_SEED", 42),
    datasetDir: opts.datasetDir ?? env.DATASET_DIR ?? "datasets",
  };
  const parsed = GridOptionsSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = `--${String(issue?.path[0] ?? "").replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    // The offending value itself (one element of --lengths, or the whole flag's value).
    let got: unknown = candidate;
    for (const k of issue?.path ?? [])
      got = (got as Record<PropertyKey, unknown> | undefined)?.[k as PropertyKey];
    throw new UsageError(`${flag}: ${issue?.message ?? "invalid value"}, got ${JSON.stringify(got)}`);
  }
  const grid = parsed.data;
  if (!evenSizes) return grid;
  if (grid.trainSize % 2 !== 0) throw new UsageError(`--train-size must be even (got ${grid.trainSize})`);
  if (grid.valSize % 2 !== 0) throw new UsageError(`--val-size must be even (got ${grid.valSize})`);
  return grid;
}
