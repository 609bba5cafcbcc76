import { UsageError } from "../core/errors.js";

export interface Shard {
  /** 1-based, as SLURM_ARRAY_TASK_ID-style users type it: `--shard 2/4`. */
  readonly index: number;
  readonly count: number;
}

/** The environment variables `--shard auto` reads (passed in: this module reads no environment). */
export type ShardEnv = Readonly<Record<string, string | undefined>>;

/**
 * `--shard i/n`, or `--shard auto`: the array job's own index, from SLURM (`SLURM_ARRAY_TASK_ID`,
 * `SLURM_ARRAY_TASK_COUNT`, and `SLURM_ARRAY_TASK_MIN` when the array does not start at 0) or from a
 * Kubernetes Indexed Job (`JOB_COMPLETION_INDEX`, 0-based, with `JOB_COMPLETIONS` set to the job's
 * completions in its manifest).
 */
export function parseShard(value: string, env: ShardEnv = {}): Shard {
  if (value.trim() === "auto") return autoShard(env);
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  if (!m) throw new UsageError(`--shard: expected i/n (e.g. 1/4) or auto, got '${value}'`);
  return checked(Number(m[1]), Number(m[2]), `'${value}'`);
}

function autoShard(env: ShardEnv): Shard {
  const int = (name: string): number | undefined => {
    const v = env[name];
    if (v === undefined || v.trim() === "") return undefined;
    if (!/^\d+$/.test(v.trim())) throw new UsageError(`--shard auto: ${name} is '${v}', not a whole number`);
    return Number(v);
  };
  const slurmId = int("SLURM_ARRAY_TASK_ID");
  if (slurmId !== undefined) {
    const count = int("SLURM_ARRAY_TASK_COUNT");
    if (count === undefined)
      throw new UsageError("--shard auto: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not");
    const min = int("SLURM_ARRAY_TASK_MIN") ?? 0;
    return checked(slurmId - min + 1, count, `SLURM task ${slurmId} (min ${min}) of ${count}`);
  }
  const k8sIndex = int("JOB_COMPLETION_INDEX");
  if (k8sIndex !== undefined) {
    const count = int("JOB_COMPLETIONS");
    if (count === undefined)
      throw new UsageError(
        "--shard auto: JOB_COMPLETION_INDEX is set but JOB_COMPLETIONS is not (set it to the Job's completions; docs/cluster.md)",
      );
    return checked(k8sIndex + 1, count, `Kubernetes completion index ${k8sIndex} of ${count}`);
  }
  throw new UsageError(
    "--shard auto: not in an array job (neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set); give --shard i/n",
  );
}

function checked(index: number, count: number, what: string): Shard {
  if (count < 1 || index < 1 || index > count) {
    throw new UsageError(`--shard: i must be in 1..n and n >= 1, got ${what}`);
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
