import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isProbablePrime, isSquare, jacobi, nextPrime } from "../../src/primes/primality.js";

const naivePrime = (n: bigint): boolean => {
  if (n < 2n) return false;
  for (let d = 2n; d * d <= n; d++) if (n % d === 0n) return false;
  return true;
};

describe("primality", () => {
  it("matches trial division below 30000", () => {
    for (let n = 0n; n < 30000n; n++) expect(isProbablePrime(n), String(n)).toBe(naivePrime(n));
  });

  it("rejects Carmichael numbers and strong pseudoprimes to several bases", () => {
    const composites = [
      561n,
      1105n,
      1729n,
      2047n,
      3215031751n,
      2152302898747n,
      3474749660383n,
      341550071728321n,
      3825123056546413051n,
      318665857834031151167461n,
      3317044064679887385961981n,
      // 2^32+1 * (2^64+1) style products and a square of a prime
      (2n ** 61n - 1n) * (2n ** 61n - 1n),
      (2n ** 89n - 1n) * 1000003n,
    ];
    for (const c of composites) expect(isProbablePrime(c), String(c)).toBe(false);
  });

  it("accepts known large primes", () => {
    for (const p of [
      2n ** 61n - 1n,
      2n ** 89n - 1n,
      2n ** 107n - 1n,
      2n ** 127n - 1n,
      2n ** 521n - 1n,
      10n ** 99n + 289n,
    ]) {
      expect(isProbablePrime(p), String(p)).toBe(true);
    }
  });

  it("decides numbers past 2^1024 (no float square-root estimate there): primes, products, squares", () => {
    const m1279 = 2n ** 1279n - 1n; // a Mersenne prime of 386 digits
    const m2203 = 2n ** 2203n - 1n;
    expect(isProbablePrime(m1279)).toBe(true);
    expect(isProbablePrime(m2203)).toBe(true);
    expect(isProbablePrime(m1279 * (2n ** 607n - 1n))).toBe(false);
    expect(isProbablePrime(m1279 * m1279)).toBe(false);
    fc.assert(
      fc.property(fc.bigInt({ min: 2n ** 520n, max: 2n ** 1100n }), (x) => {
        expect(isSquare(x * x)).toBe(true);
        expect(isSquare(x * x + 1n)).toBe(false);
        expect(isSquare(x * x - 1n)).toBe(false);
      }),
      { numRuns: 100 },
    );
  });

  it("nextPrime is the smallest prime above n (property, checked by trial division)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 11n }), (n) => {
        const p = nextPrime(n);
        expect(p > n).toBe(true);
        expect(naivePrime(p)).toBe(true);
        for (let k = n + 1n; k < p; k++) expect(isProbablePrime(k)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it("nextPrime on 100-digit starts returns primes with nothing prime in between", () => {
    let n = 10n ** 99n + 123456789n;
    for (let i = 0; i < 5; i++) {
      const p = nextPrime(n);
      expect(isProbablePrime(p)).toBe(true);
      for (let k = n + 1n; k < p; k++) expect(isProbablePrime(k)).toBe(false);
      n = (p * 7n) / 5n;
    }
  });

  it("jacobi matches Euler's criterion for odd primes", () => {
    for (const p of [3n, 5n, 7n, 11n, 101n, 7919n]) {
      for (let a = 0n; a < 40n; a++) {
        const e = a % p === 0n ? 0n : a ** ((p - 1n) / 2n) % p;
        expect(jacobi(a, p), `${a}/${p}`).toBe(e === 0n ? 0 : e === 1n ? 1 : -1);
      }
    }
  });
});
