import { UsageError } from "../core/errors.js";

export interface Shard {
  /** 1-based, as SLURM_ARRAY_TASK_ID-style users type it: `--shard 2/4`. */
  readonly index: number;
  readonly count: number;
}

export function parseShard(value: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  if (!m) throw new UsageError(`--shard: expected i/n (e.g. 1/4), got '${value}'`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) {
    throw new UsageError(`--shard: i must be in 1..n and n >= 1, got '${value}'`);
  }
  return { index, count };
}

/**
 * The grid points of one shard: round-robin over the grid in its resolved order (point k goes to
 * shard (k mod n) + 1). Deterministic in the flags; the shards partition the grid and each gets a mix
 * of tasks and lengths, so their wall times are alike.
 */
export function shardPoints<T>(points: readonly T[], shard: Shard | undefined): T[] {
  if (!shard) return [...points];
  return points.filter((_, k) => k % shard.count === shard.index - 1);
}
