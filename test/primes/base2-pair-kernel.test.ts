import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BATCH, pairLimbs, strongProbablePrime2Batch } from "../../src/primes/base2-pair-kernel.js";
import { isStrongProbablePrime, nextPrime } from "../../src/primes/primality.js";

/** The widest number the SIMD kernel takes: 16 limbs of 28 bits, less the 4 bits of slack. */
const MAX_BITS = 28 * 16 - 4;

const oddNumber = (maxBits = MAX_BITS): fc.Arbitrary<bigint> =>
  fc
    .integer({ min: 3, max: maxBits })
    .chain((bits) => fc.bigInt({ min: 2n ** BigInt(bits - 1), max: 2n ** BigInt(bits) - 1n }))
    .map((x) => x | 1n)
    .filter((n) => n > 3n);

const reference = (n: bigint): boolean => isStrongProbablePrime(n, 2n);

describe("SIMD base-2 strong probable-prime test, four numbers at once", () => {
  it("agrees with the BigInt Miller-Rabin round to base 2, lane by lane, on batches of 1 to 4 mixed sizes", () => {
    fc.assert(
      fc.property(fc.array(oddNumber(), { minLength: 1, maxLength: BATCH }), (ns) => {
        expect(strongProbablePrime2Batch(ns)).toEqual(ns.map(reference));
      }),
      { numRuns: 400 },
    );
  });

  it("passes primes in every lane, next to composites (a lane's answer does not depend on the others)", () => {
    fc.assert(
      fc.property(
        fc.array(oddNumber(MAX_BITS - 2), { minLength: BATCH, maxLength: BATCH }),
        fc.array(fc.boolean(), { minLength: BATCH, maxLength: BATCH }),
        (ns, prime) => {
          const batch = ns.map((n, i) => (prime[i] ? nextPrime(n) : n));
          expect(strongProbablePrime2Batch(batch)).toEqual(batch.map(reference));
          for (const p of batch.filter((_, i) => prime[i]))
            expect(strongProbablePrime2Batch([p])[0], String(p)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("passes base-2 strong pseudoprimes (BPSW's Lucas half catches them) and fails other composites", () => {
    const pseudoprimes = [2047n, 3277n, 4033n, 4681n, 8321n, 3215031751n, 3825123056546413051n];
    for (let i = 0; i < pseudoprimes.length; i += BATCH) {
      const batch = pseudoprimes.slice(i, i + BATCH);
      expect(strongProbablePrime2Batch(batch)).toEqual(batch.map(() => true));
    }
    const composites = [561n, 1105n, (2n ** 89n - 1n) * (2n ** 61n - 1n), (2n ** 127n - 1n) ** 2n];
    expect(strongProbablePrime2Batch(composites)).toEqual([false, false, false, false]);
  });

  it("handles numbers at the limb edges (where the limb count steps) and refuses what it cannot take", () => {
    for (const bits of [24n, 28n, 52n, 56n, 332n, 333n, 336n, BigInt(MAX_BITS)]) {
      const batch = [2n ** bits - 1n, 2n ** (bits - 1n) + 1n, 2n ** bits - 3n, 2n ** (bits - 1n) + 3n];
      expect(strongProbablePrime2Batch(batch), String(bits)).toEqual(batch.map(reference));
    }
    expect(pairLimbs(332)).toBe(12);
    expect(pairLimbs(333)).toBe(13);
    expect(() => strongProbablePrime2Batch([2n ** BigInt(MAX_BITS) + 1n])).toThrow(RangeError);
    expect(() => strongProbablePrime2Batch([10n])).toThrow(RangeError);
    expect(() => strongProbablePrime2Batch([3n])).toThrow(RangeError);
    expect(() => strongProbablePrime2Batch([])).toThrow(RangeError);
    expect(() => strongProbablePrime2Batch([5n, 7n, 11n, 13n, 17n])).toThrow(RangeError);
  });
});
