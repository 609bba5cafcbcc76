import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { strongLucasBatch } from "../../src/primes/lucas-pair-kernel.js";
import { isProbablePrime, nextPrime } from "../../src/primes/primality.js";
import { MAX_PAIR_BITS, oddModulus, lucasReference as reference } from "./mont-arbitraries.js";

describe("SIMD strong Lucas test (Selfridge's parameters), four numbers at once", () => {
  it("agrees with the BigInt strong Lucas test, lane by lane, on batches of 1 to 4 mixed sizes", () => {
    fc.assert(
      fc.property(fc.array(oddModulus(MAX_PAIR_BITS), { minLength: 1, maxLength: 4 }), (ns) => {
        expect(strongLucasBatch(ns)).toEqual(ns.map(reference));
      }),
      { numRuns: 400 },
    );
  });

  it("passes primes in every lane, next to composites and numbers of other sizes", () => {
    fc.assert(
      fc.property(
        fc.array(oddModulus(MAX_PAIR_BITS - 2), { minLength: 4, maxLength: 4 }),
        fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        (ns, prime) => {
          const batch = ns.map((n, i) => (prime[i] ? nextPrime(n) : n));
          expect(strongLucasBatch(batch)).toEqual(batch.map(reference));
          for (const p of batch.filter((_, i) => prime[i]))
            expect(strongLucasBatch([p]), String(p)).toEqual([true]);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("agrees on every odd n below 30000, four at a time: strong Lucas pseudoprimes, squares, factors", () => {
    let pseudoprimes = 0;
    for (let n = 5n; n < 30_000n; n += 8n) {
      const batch = [n, n + 2n, n + 4n, n + 6n];
      const expected = batch.map(reference);
      expect(strongLucasBatch(batch), String(n)).toEqual(expected);
      pseudoprimes += batch.filter((c, i) => expected[i] && !isProbablePrime(c)).length;
    }
    expect(pseudoprimes).toBe(8); // A217255 below 30000: 5459 5777 10877 16109 18971 22499 24569 25199
  });

  it("agrees on base-2 strong pseudoprimes, Carmichael numbers and n whose Selfridge D is far out", () => {
    const base2Pseudoprimes = [2047n, 3277n, 4033n, 4681n, 8321n, 3215031751n, 3825123056546413051n];
    const carmichael = [561n, 1105n, 1729n, 2465n, 2821n, 6601n, 8911n];
    // the D search passes 12-13 values before (D/n) = -1: D = 29 (Q = -7) or D = -31 (Q = 8)
    const farD = [10651n, 13381n, 16591n, 18379n, 20749n, 27589n, 30031n, 31879n];
    const all = [...base2Pseudoprimes, ...carmichael, ...farD];
    for (let i = 0; i < all.length; i += 4) {
      const batch = all.slice(i, i + 4);
      expect(strongLucasBatch(batch), batch.join(" ")).toEqual(batch.map(reference));
    }
    expect(strongLucasBatch([10651n, 18379n, 16591n, 30031n])).toEqual([true, true, false, false]);
  });

  it("handles numbers at the limb edges, n + 1 a power of two, and refuses what it cannot take", () => {
    for (const bits of [28n, 56n, 127n, 332n, 333n, BigInt(MAX_PAIR_BITS)]) {
      const batch = [2n ** bits - 1n, 2n ** (bits - 1n) + 1n, nextPrime(2n ** (bits - 1n)), 2n ** bits - 3n];
      expect(strongLucasBatch(batch), String(bits)).toEqual(batch.map(reference));
    }
    // Mersenne primes: n + 1 = 2^s, so m = 0 and the ladder walks no bit in that lane
    expect(strongLucasBatch([2n ** 61n - 1n, 2n ** 127n - 1n, 10n ** 99n + 289n])).toEqual([
      true,
      true,
      true,
    ]);
    expect(() => strongLucasBatch([])).toThrow(RangeError);
    expect(() => strongLucasBatch([3n, 5n, 7n, 11n, 13n])).toThrow(RangeError);
    expect(() => strongLucasBatch([10n])).toThrow(RangeError);
    expect(() => strongLucasBatch([2n ** BigInt(MAX_PAIR_BITS) + 1n])).toThrow(RangeError);
  });
});
