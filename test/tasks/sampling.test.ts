import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRandom, type RandomSource } from "../../src/core/random.js";
import { randomBits } from "../../src/tasks/sampling.js";

/** The plain formula randomBits must reproduce: one int(2^take) per chunk of up to 32 bits, MSB first. */
function reference(rng: RandomSource, length: number): string {
  let out = "";
  for (let remaining = length; remaining > 0; remaining -= 32) {
    const take = Math.min(32, remaining);
    out += rng
      .int(2 ** take)
      .toString(2)
      .padStart(take, "0");
  }
  return out;
}

describe("randomBits", () => {
  it("draws the same bits as int(2^k) per chunk, from the same stream (so datasets do not change)", () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.array(fc.integer({ min: 1, max: 130 }), { minLength: 1, maxLength: 8 }),
        (seed, lengths) => {
          const a = createRandom(seed);
          const b = createRandom(seed);
          for (const length of lengths) {
            const bits = randomBits(a, length);
            expect(bits).toHaveLength(length);
            expect(bits).toBe(reference(b, length));
          }
          // and the streams are still in step
          expect(a.int(1000)).toBe(b.int(1000));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("uint32 is int(2^32), and its low k bits are int(2^k)", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 31 }), (seed, k) => {
        const a = createRandom(seed);
        const b = createRandom(seed);
        const c = createRandom(seed);
        const u = a.uint32();
        expect(u).toBe(b.int(2 ** 32));
        expect(u % 2 ** k).toBe(c.int(2 ** k));
      }),
    );
  });
});
