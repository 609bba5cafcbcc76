import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseShard, shardPoints } from "../../src/runner/shard.js";

describe("shards", () => {
  it("parses i/n and names the flag when wrong", () => {
    expect(parseShard("2/4")).toEqual({ index: 2, count: 4 });
    expect(() => parseShard("0/4")).toThrow(/--shard/);
    expect(() => parseShard("5/4")).toThrow(/--shard/);
    expect(() => parseShard("a")).toThrow(/--shard: expected i\/n/);
  });

  it("auto: SLURM arrays (0- or 1-based via SLURM_ARRAY_TASK_MIN) and Kubernetes Indexed Jobs", () => {
    expect(parseShard("auto", { SLURM_ARRAY_TASK_ID: "0", SLURM_ARRAY_TASK_COUNT: "6" })).toEqual({
      index: 1,
      count: 6,
    });
    expect(
      parseShard("auto", {
        SLURM_ARRAY_TASK_ID: "6",
        SLURM_ARRAY_TASK_COUNT: "6",
        SLURM_ARRAY_TASK_MIN: "1",
      }),
    ).toEqual({
      index: 6,
      count: 6,
    });
    expect(parseShard("auto", { JOB_COMPLETION_INDEX: "2", JOB_COMPLETIONS: "4" })).toEqual({
      index: 3,
      count: 4,
    });
    expect(() => parseShard("auto", {})).toThrow(/not in an array job/);
    expect(() => parseShard("auto", { JOB_COMPLETION_INDEX: "2" })).toThrow(/JOB_COMPLETIONS is not/);
    expect(() => parseShard("auto", { SLURM_ARRAY_TASK_ID: "6", SLURM_ARRAY_TASK_COUNT: "6" })).toThrow(
      /1\.\.n/,
    );
    expect(() => parseShard("auto", { SLURM_ARRAY_TASK_ID: "x", SLURM_ARRAY_TASK_COUNT: "6" })).toThrow(
      /not a whole number/,
    );
  });

  it("the n shards partition the grid (every point in exactly one), deterministically", () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 70 }), fc.integer({ min: 1, max: 9 }), (pts, n) => {
        const items = pts.map((p, i) => `${i}:${p}`);
        const parts = Array.from({ length: n }, (_, i) => shardPoints(items, { index: i + 1, count: n }));
        expect(parts.flat().sort()).toEqual([...items].sort());
        expect(shardPoints(items, { index: 1, count: n })).toEqual(parts[0]);
        const sizes = parts.map((p) => p.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
    );
  });
});
