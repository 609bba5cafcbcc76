import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRandom } from "../../src/core/random.js";

describe("createRandom", () => {
  it("is deterministic in its seed and differs between seeds", () => {
    const draw = (seed: number) => {
      const r = createRandom(seed);
      return [
        r.int(1000),
        r.int(2 ** 32),
        r.bigint(0n, 10n ** 40n),
        r.float(),
        r.shuffle([1, 2, 3, 4, 5, 6]),
      ];
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it("keeps values in range and shuffles to a permutation (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0x7fffffff }),
        fc.integer({ min: 1, max: 2 ** 32 }),
        (seed, n) => {
          const r = createRandom(seed);
          const v = r.int(n);
          expect(v >= 0 && v < n && Number.isInteger(v)).toBe(true);
          const b = r.bigint(-5n, 5n);
          expect(b >= -5n && b <= 5n).toBe(true);
          const f = r.float();
          expect(f >= 0 && f < 1).toBe(true);
          const items = Array.from({ length: 20 }, (_, i) => i);
          expect([...r.shuffle([...items])].sort((a, c) => a - c)).toEqual(items);
        },
      ),
    );
  });

  it("is roughly uniform on a small range", () => {
    const r = createRandom(9);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 40000; i++) counts[r.int(4)]!++;
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(500);
  });
});
