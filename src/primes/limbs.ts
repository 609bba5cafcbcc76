/**
 * Numbers as 28-bit limbs, the representation every Montgomery kernel here works in (prime-montgomery.ts,
 * base2-pair-kernel.ts, lucas-pair-kernel.ts): reading limbs off a number's hex digits, and the Montgomery
 * constant -1/n mod 2^28.
 *
 * Invariant: limb i of n is bits [28i, 28i + 28) of n, i.e. hex digits [7i, 7i + 7) from the right, so a
 * number crosses from BigInt to the kernels through `toString(16)` with no BigInt division.
 */
export const LIMB_BITS = 28;
/** 2^28. Hot JS writes this, not `2 ** LIMB_BITS`: with an imported exponent V8's optimized code cannot
 * fold the power and computes it at every use (it made the base-2 batch's JS ~1.7 µs per number slower). */
export const RADIX = 2 ** LIMB_BITS;
export const MASK = RADIX - 1;

/** The value of hex digit c (a char code of 0-9 or a-f). */
export function hexDigit(c: number): number {
  return c <= 57 ? c - 48 : c - 87;
}

/** Limb i (28 bits, 7 hex digits) of the number whose hex digits are `hex`. */
export function hexLimb(hex: string, i: number): number {
  const end = hex.length - 7 * i;
  let v = 0;
  for (let c = Math.max(0, end - 7); c < end; c++) v = v * 16 + hexDigit(hex.charCodeAt(c));
  return v;
}

/** -1 / a mod 2^28 for odd a (Newton's iteration on 32-bit words). */
export function negInverse(a: number): number {
  let x = a; // correct to 3 bits
  for (let i = 0; i < 4; i++) x = Math.imul(x, 2 - Math.imul(a, x));
  return -x & MASK;
}
