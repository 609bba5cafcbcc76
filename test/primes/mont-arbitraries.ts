import fc from "fast-check";
import { isStrongLucasProbablePrime } from "../../src/primes/primality.js";
import { MAX_MONT_LIMBS } from "../../src/primes/prime-montgomery.js";

/** The widest modulus the wasm kernel takes: 28-bit limbs. */
const MAX_BITS = 28 * MAX_MONT_LIMBS;

/** The widest number the SIMD (pair) kernels take: 16 limbs of 28 bits, less 4 bits of slack. */
export const MAX_PAIR_BITS = 28 * 16 - 4;

/** Odd n > 3 of 3 to maxBits bits, sizes drawn uniformly (so short and long moduli both show up). */
export const oddModulus = (maxBits = MAX_BITS): fc.Arbitrary<bigint> =>
  fc
    .integer({ min: 3, max: maxBits })
    .chain((bits) => fc.bigInt({ min: 2n ** BigInt(bits - 1), max: 2n ** BigInt(bits) - 1n }))
    .map((x) => x | 1n)
    .filter((n) => n > 3n);

/** A start whose next prime still fits the kernel (5 to MAX_BITS - 1 bits, below the top quarter). */
export const primeStart = (): fc.Arbitrary<bigint> =>
  fc
    .integer({ min: 5, max: MAX_BITS - 1 })
    .chain((bits) =>
      fc.bigInt({ min: 2n ** BigInt(bits - 1), max: 2n ** BigInt(bits) - 2n ** BigInt(bits - 2) }),
    );

/** Is n a perfect square? (Newton's integer square root, written here apart from the code under test.) */
export function isSquare(n: bigint): boolean {
  let x = n;
  let y = (x + 1n) >> 1n;
  while (y < x) {
    x = y;
    y = (x + n / x) >> 1n;
  }
  return x * x === n;
}

/** The strong Lucas test the kernels must match: the BigInt one, which needs a non-square n
 * (primality.ts rejects squares before calling it). */
export const lucasReference = (n: bigint): boolean => !isSquare(n) && isStrongLucasProbablePrime(n);
