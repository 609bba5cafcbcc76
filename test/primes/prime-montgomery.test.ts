import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isStrongProbablePrime, nextPrime } from "../../src/primes/primality.js";
import { isStrongProbablePrime2, montLimbs } from "../../src/primes/prime-montgomery.js";
import { oddModulus, primeStart } from "./mont-arbitraries.js";

describe("wasm Montgomery base-2 strong probable-prime test", () => {
  it("agrees with the BigInt Miller-Rabin round to base 2 on odd n of 3 to 448 bits", () => {
    fc.assert(
      fc.property(oddModulus(), (n) => {
        expect(isStrongProbablePrime2(n)).toBe(isStrongProbablePrime(n, 2n));
      }),
      { numRuns: 1000 },
    );
  });

  it("passes every prime (random primes of 5 to 448 bits from the BigInt nextPrime)", () => {
    fc.assert(
      fc.property(primeStart(), (n) => {
        expect(isStrongProbablePrime2(nextPrime(n))).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it("agrees on primes (random primes are rare above) and on base-2 strong pseudoprimes", () => {
    const primes = [2n ** 61n - 1n, 2n ** 89n - 1n, 2n ** 127n - 1n, 10n ** 99n + 289n, 2n ** 107n - 1n];
    for (const p of primes) expect(isStrongProbablePrime2(p), String(p)).toBe(true);
    // strong pseudoprimes to base 2: they pass although composite (BPSW's Lucas half catches them)
    for (const c of [2047n, 3277n, 4033n, 4681n, 3215031751n]) expect(isStrongProbablePrime2(c)).toBe(true);
    for (const c of [561n, 1105n, (2n ** 89n - 1n) * (2n ** 61n - 1n), (2n ** 127n - 1n) ** 2n])
      expect(isStrongProbablePrime2(c), String(c)).toBe(false);
  });

  it("handles moduli at the limb edges and refuses what it cannot take", () => {
    for (const bits of [28n, 56n, 84n, 336n, 448n]) {
      for (const n of [2n ** bits - 1n, 2n ** (bits - 1n) + 1n, 2n ** bits - 3n]) {
        expect(isStrongProbablePrime2(n), String(n)).toBe(isStrongProbablePrime(n, 2n));
      }
    }
    expect(montLimbs(2n ** 448n - 1n)).toBe(16);
    expect(montLimbs(2n ** 448n + 1n)).toBe(0);
    expect(() => isStrongProbablePrime2(2n ** 448n + 1n)).toThrow(RangeError);
    expect(() => isStrongProbablePrime2(10n)).toThrow(RangeError);
  });
});
