import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isProbablePrime, jacobi, nextPrime } from "../../src/primes/primality.js";
import { isStrongLucasProbablePrimeMont } from "../../src/primes/prime-montgomery.js";
import { isSquare, oddModulus, primeStart, lucasReference as reference } from "./mont-arbitraries.js";

function gcd(a: bigint, b: bigint): bigint {
  return b === 0n ? a : gcd(b, a % b);
}

/** |Q| of Selfridge's parameters for n, or undefined when the D search meets a factor or a square. */
function selfridgeQ(n: bigint): bigint | undefined {
  if (isSquare(n)) return undefined;
  for (let D = 5n; ; D = D > 0n ? -(D + 2n) : -D + 2n) {
    const j = jacobi(D, n);
    if (j === 0 && (D < 0n ? -D : D) !== n) return undefined;
    if (j === -1) {
      const Q = (1n - D) / 4n;
      return Q < 0n ? -Q : Q;
    }
  }
}

describe("wasm Montgomery strong Lucas test (Selfridge's parameters)", () => {
  it("agrees with the BigInt strong Lucas test on odd n of 3 to 448 bits", () => {
    fc.assert(
      fc.property(oddModulus(), (n) => {
        expect(isStrongLucasProbablePrimeMont(n)).toBe(reference(n));
      }),
      { numRuns: 800 },
    );
  });

  it("passes random primes of 5 to 448 bits", () => {
    fc.assert(
      fc.property(primeStart(), (n) => {
        expect(isStrongLucasProbablePrimeMont(nextPrime(n))).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it("passes strong Lucas pseudoprimes, rejects squares, base-2 pseudoprimes and Carmichael numbers", () => {
    // the strong Lucas pseudoprimes (Selfridge's method A) below 20000 (OEIS A217255)
    for (const c of [5459n, 5777n, 10877n, 16109n, 18971n]) {
      expect(reference(c), String(c)).toBe(true);
      expect(isStrongLucasProbablePrimeMont(c), String(c)).toBe(true);
    }
    // base-2 strong pseudoprimes, Carmichael numbers, squares (whose D search never ends), products
    const big = (2n ** 89n - 1n) * (2n ** 61n - 1n);
    for (const c of [
      2047n,
      3277n,
      4033n,
      561n,
      1105n,
      25n,
      49n,
      10403n ** 2n,
      big,
      (2n ** 127n - 1n) ** 2n,
    ]) {
      expect(isStrongLucasProbablePrimeMont(c), String(c)).toBe(reference(c));
      expect(isStrongLucasProbablePrimeMont(c), String(c)).toBe(false);
    }
    for (const p of [5n, 7n, 11n, 13n, 2n ** 61n - 1n, 2n ** 127n - 1n, 10n ** 99n + 289n])
      expect(isStrongLucasProbablePrimeMont(p), String(p)).toBe(true);
  });

  it("agrees with the BigInt test on every odd n below 200000, strong Lucas pseudoprimes included", () => {
    // The kernel runs the test on the Q' = 1 sequence, which needs Q prime to n. It always is once the D
    // search ends: a prime p dividing n and Q = (1 - D) / 4 is below |D|, so the earlier D = +-p (or 9,
    // for p = 3) would have had (D/n) = 0 and ended the search. The kernel still hands such n to the
    // BigInt test; here the law is checked over the range.
    let pseudoprimes = 0;
    let sharedQ = 0;
    for (let n = 5n; n < 200_000n; n += 2n) {
      const expected = reference(n);
      expect(isStrongLucasProbablePrimeMont(n), String(n)).toBe(expected);
      if (expected && !isProbablePrime(n)) pseudoprimes++;
      const q = selfridgeQ(n);
      if (q !== undefined && gcd(n, q) !== 1n) sharedQ++;
    }
    expect(pseudoprimes).toBe(25); // A217255 has 25 terms below 200000, 5459 to 197801
    expect(sharedQ).toBe(0);
  });

  it("handles moduli at the limb edges and a large Selfridge D, and refuses what it cannot take", () => {
    for (const bits of [28n, 56n, 84n, 336n, 448n]) {
      for (const n of [
        2n ** bits - 1n,
        2n ** (bits - 1n) + 1n,
        2n ** bits - 3n,
        nextPrime(2n ** (bits - 1n)),
      ]) {
        expect(isStrongLucasProbablePrimeMont(n), String(n)).toBe(reference(n));
      }
    }
    // a square of a prime: (D/n) = 1 for every D, the search ends at the squareness check
    expect(isStrongLucasProbablePrimeMont((2n ** 61n - 1n) ** 2n)).toBe(false);
    expect(() => isStrongLucasProbablePrimeMont(2n ** 448n + 1n)).toThrow(RangeError);
    expect(() => isStrongLucasProbablePrimeMont(10n)).toThrow(RangeError);
  });
});
