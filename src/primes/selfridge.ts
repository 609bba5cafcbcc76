/**
 * Selfridge's parameters for the strong Lucas test (method A), as the Montgomery kernels take them:
 * P' = P^2 / Q - 2 mod n of the Q' = 1 sequence, found with BigInt arithmetic once per number.
 *
 * Invariant: the answer is the parameter of the same sequence `isStrongLucasProbablePrime` in primality.ts
 * tests, or that test's own answer when the search for D already decides it; so a kernel given P' answers
 * exactly as the BigInt test does.
 */
import { isSquare, isStrongLucasProbablePrime, jacobi } from "./primality.js";

/**
 * For an odd n > 3: P' = P^2 / Q - 2 mod n (P = 1), the parameter of the Q' = 1 sequence on which the
 * kernels run the strong Lucas test with Selfridge's parameters (method A: the first D of 5, -7, 9, -11,
 * ... with Jacobi (D/n) = -1, Q = (1 - D) / 4); or the test's answer when the search for D decides it
 * (false: D shares a factor with n, or n is a square, which has no such D) or Q is not a unit mod n (the
 * BigInt test's answer; this never happens, see the note in lucas tests, but costs nothing to handle).
 */
export function lucasParameter(n: bigint): bigint | boolean {
  // A square n has no D with (D/n) = -1; primality.ts rejects squares first, here they are looked for
  // only when the search runs long (the answer is false either way).
  let D = 5n;
  for (let tries = 0; ; tries++) {
    const j = jacobi(D, n);
    if (j === -1) break;
    if (j === 0 && (D < 0n ? -D : D) !== n) return false;
    if (tries === 20 && isSquare(n)) return false;
    D = D > 0n ? -(D + 2n) : -D + 2n;
  }
  const qInverse = inverseOfSmall((1n - D) / 4n, n);
  if (qInverse === undefined) return isStrongLucasProbablePrime(n);
  return (qInverse - 2n + n) % n;
}

/** 1 / c mod n for a small nonzero integer c (|c| < 2^26), or undefined when c and n share a factor. */
function inverseOfSmall(c: bigint, n: bigint): bigint | undefined {
  const q = Number(c < 0n ? -c : c);
  const r = Number(n % BigInt(q));
  // the j in [0, q) with 1 + n j = 0 mod q (there is one iff n is prime to q); then (1 + n j) / q
  for (let j = 0; j < q; j++) {
    if ((1 + r * j) % q === 0) {
      const inverse = (1n + n * BigInt(j)) / BigInt(q);
      return c < 0n ? n - inverse : inverse;
    }
  }
  return undefined;
}
