import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createWasmSieve } from "../../src/primes/sieve-kernel.js";

function oddPrimesBelow(bound: number): Int32Array {
  const out: number[] = [];
  for (let n = 3; n < bound; n += 2) {
    let prime = true;
    for (let d = 3; d * d <= n; d += 2) if (n % d === 0) prime = false;
    if (prime) out.push(n);
  }
  return Int32Array.from(out);
}

/** A number's hex digits as little-endian 24-bit limbs. */
function limbs24(n: bigint): number[] {
  const out: number[] = [];
  for (let x = n; x > 0n; x >>= 24n) out.push(Number(x & 0xffffffn));
  return out;
}

describe("wasm sieve", () => {
  const primes = oddPrimesBelow(5000);
  const sieve = createWasmSieve(primes, 12);

  it("marks exactly the window positions with a factor among the first `count` primes", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 2n ** 40n, max: 2n ** 288n - 1n }).map((n) => n | 1n),
        fc.integer({ min: 1, max: primes.length }),
        fc.integer({ min: 1, max: 400 }),
        (start, count, window) => {
          const marks = new Uint8Array(window);
          sieve.sieve(limbs24(start), count, marks);
          for (let i = 0; i < window; i++) {
            const c = start + BigInt(2 * i);
            const expected = primes.slice(0, count).some((p) => c % BigInt(p) === 0n) ? 1 : 0;
            expect(marks[i], `start ${start} + ${2 * i}`).toBe(expected);
          }
        },
      ),
      { numRuns: 80 },
    );
  });

  it("fills its tables on demand: any order of growing and shrinking prime counts and start lengths", () => {
    const request = fc.record({
      bits: fc.integer({ min: 41, max: 280 }),
      count: fc.integer({ min: 1, max: primes.length }),
    });
    fc.assert(
      fc.property(fc.array(request, { minLength: 2, maxLength: 6 }), fc.integer(), (requests, salt) => {
        const fresh = createWasmSieve(primes, 12); // its tables start empty
        for (const [r, { bits, count }] of requests.entries()) {
          const start = (2n ** BigInt(bits - 1) + BigInt(salt >>> 0) * 7919n + BigInt(r) * 104729n) | 1n;
          const marks = new Uint8Array(40);
          fresh.sieve(limbs24(start), count, marks);
          for (let i = 0; i < marks.length; i++) {
            const c = start + BigInt(2 * i);
            const expected = primes.slice(0, count).some((p) => c % BigInt(p) === 0n) ? 1 : 0;
            expect(marks[i], `request ${r}: ${bits} bits, ${count} primes, +${2 * i}`).toBe(expected);
          }
        }
      }),
      { numRuns: 25 },
    );
  });

  it("handles an odd prime count (the padding lane never marks) and a start with a zero limb", () => {
    const odd = createWasmSieve(Int32Array.from([3, 5, 7]), 4);
    const marks = new Uint8Array(20);
    const start = 2n ** 48n + 1n; // limbs [1, 0, 1]
    odd.sieve(limbs24(start), 3, marks);
    for (let i = 0; i < 20; i++) {
      const c = start + BigInt(2 * i);
      expect(marks[i]).toBe(c % 3n === 0n || c % 5n === 0n || c % 7n === 0n ? 1 : 0);
    }
  });

  it("refuses starts longer than its table and windows over 2^16", () => {
    expect(() => sieve.sieve(new Array(13).fill(1), 10, new Uint8Array(8))).toThrow(RangeError);
    expect(() => sieve.sieve([1, 1], 10, new Uint8Array(2 ** 16 + 1))).toThrow(RangeError);
  });
});
