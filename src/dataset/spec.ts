import { createHash } from "node:crypto";
import { join } from "node:path";
import { UsageError } from "../core/errors.js";
import type { GridPoint } from "../core/grid.js";
import type { GridOptions } from "../core/grid-options.js";
import { getTask, planGrid, type SkippedPoint } from "../tasks/registry.js";
import type { Task } from "../tasks/task.js";

/** What identifies a dataset: the task, the length, the split sizes and the base seed. */
export interface DatasetSpec {
  readonly fn: string;
  readonly length: number;
  readonly trainSize: number;
  readonly valSize: number;
  readonly testSize: number;
  readonly seed: number;
}

/** The runner's key: train+val is one number (`fn_a|L=50|train=200|test=10000|base_seed=42`). */
export function seedKey(spec: DatasetSpec): string {
  return `${spec.fn}|L=${spec.length}|train=${spec.trainSize + spec.valSize}|test=${spec.testSize}|base_seed=${spec.seed}`;
}

/** First 8 bytes (big-endian) of SHA-256(seedKey), masked with 0x7FFFFFFF. */
export function derivedSeed(spec: DatasetSpec): number {
  const digest = createHash("sha256").update(seedKey(spec), "utf8").digest();
  return Number(digest.readBigUInt64BE(0) & 0x7fffffffn);
}

/** `<dir>/<target_name>/L<L>/seed<derived>`. */
export function datasetPath(datasetDir: string, spec: DatasetSpec): string {
  return join(datasetDir, getTask(spec.fn).name, `L${spec.length}`, `seed${derivedSeed(spec)}`);
}

/**
 * Rejects what cannot be built: unknown id, impossible length, odd train/val, negative or empty sizes.
 * Returns the spec's task (looked up once here, for the caller to use).
 */
export function checkSpec(spec: DatasetSpec): Task {
  const task = getTask(spec.fn);
  const problem = task.checkLength(spec.length);
  if (problem !== null)
    throw new UsageError(`--lengths: ${task.id} (${task.name}) cannot have L=${spec.length}: ${problem}`);
  const sizes: [string, number][] = [
    ["--train-size", spec.trainSize],
    ["--val-size", spec.valSize],
    ["--test-size", spec.testSize],
  ];
  for (const [flag, n] of sizes) {
    if (!Number.isSafeInteger(n) || n < 0)
      throw new UsageError(`${flag} must be a non-negative integer (got ${n})`);
  }
  if (spec.trainSize % 2 !== 0) throw new UsageError(`--train-size must be even (got ${spec.trainSize})`);
  if (spec.valSize % 2 !== 0) throw new UsageError(`--val-size must be even (got ${spec.valSize})`);
  if (spec.trainSize + spec.valSize + spec.testSize < 2) {
    throw new UsageError(
      "--train-size + --val-size + --test-size must be at least 2 (one example per class)",
    );
  }
  if (!Number.isSafeInteger(spec.seed)) throw new UsageError(`--seed must be an integer (got ${spec.seed})`);
  return task;
}

/** The dataset of one grid point: its task and length with the grid's split sizes and seed. */
export function specForPoint(
  grid: Pick<GridOptions, "trainSize" | "valSize" | "testSize" | "seed">,
  point: GridPoint,
): DatasetSpec {
  const { trainSize, valSize, testSize, seed } = grid;
  return { fn: point.fn, length: point.length, trainSize, valSize, testSize, seed };
}

/**
 * One spec per grid point of the options (validated), and the (task, length) pairs left out because the
 * tasks were not named and cannot take a named length (see `planGrid`).
 */
export function planSpecs(grid: GridOptions): { specs: DatasetSpec[]; skipped: SkippedPoint[] } {
  const { points, skipped } = planGrid(grid.functions, grid.lengths);
  const specs = points.map((p) => specForPoint(grid, p));
  for (const spec of specs) checkSpec(spec);
  return { specs, skipped };
}

/** One spec per grid point of the options (validated): `planSpecs(grid).specs`. */
export function specsForGrid(grid: GridOptions): DatasetSpec[] {
  return planSpecs(grid).specs;
}
