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
