import { createHash } from "node:crypto";
import { isProbablePrime } from "../primes/index.js";

/** Ground-truth labels of the paper's twelve targets (docs/datasets.md, "Tasks"). Pure functions of the input. */

const ONE = 49; // "1"

const bit = (b: boolean): 0 | 1 => (b ? 1 : 0);

/** fn_a: the number of 1s is odd. */
export function parityAll(x: string): 0 | 1 {
  let ones = 0;
  for (let i = 0; i < x.length; i++) if (x.charCodeAt(i) === ONE) ones++;
  return bit(ones % 2 === 1);
}

/** fn_b: the number of 1s among the first floor(L/2) characters is odd. */
export function parityFirstHalf(x: string): 0 | 1 {
  return parityAll(x.slice(0, Math.floor(x.length / 2)));
}

/** fn_e / fn_f: the number of 1s at the given coordinates is odd. */
export function parityAt(idx: readonly number[]): (x: string) => 0 | 1 {
  return (x) => {
    let ones = 0;
    for (const i of idx) if (x.charCodeAt(i) === ONE) ones++;
    return bit(ones % 2 === 1);
  };
}

/** fn_c / fn_d: the pattern occurs as a substring. */
export function containsPattern(pattern: string): (x: string) => 0 | 1 {
  return (x) => bit(x.includes(pattern));
}

/** fn_g: the string equals its reverse. */
export function isPalindrome(x: string): 0 | 1 {
  for (let i = 0, j = x.length - 1; i < j; i++, j--) if (x[i] !== x[j]) return 0;
  return 1;
}

/** fn_h: read as two-bit symbols (00 "(", 01 ")", 10 "[", 11 "]"), balanced and properly nested. */
export function isDyck2(x: string): 0 | 1 {
  if (x.length % 2 !== 0) return 0;
  const stack: string[] = [];
  for (let i = 0; i < x.length; i += 2) {
    const kind = x[i]; // "0": round, "1": square
    const closes = x[i + 1] === "1";
    if (!closes) stack.push(kind as string);
    else if (stack.pop() !== kind) return 0;
  }
  return bit(stack.length === 0);
}

/** fn_i / fn_k: the decimal number is prime (BPSW, see primality.ts). */
export function isPrimeDecimal(x: string): 0 | 1 {
  return bit(isProbablePrime(BigInt(x)));
}

const RULE30 = [0, 1, 1, 1, 1, 0, 0, 0];

/** fn_j: rule 30 applied once with one 0 of padding on each side; the number of 1s out is odd. */
export function automataParity(x: string): 0 | 1 {
  let ones = 0;
  const n = x.length;
  for (let i = 0; i < n; i++) {
    const l = i > 0 && x.charCodeAt(i - 1) === ONE ? 1 : 0;
    const c = x.charCodeAt(i) === ONE ? 1 : 0;
    const r = i + 1 < n && x.charCodeAt(i + 1) === ONE ? 1 : 0;
    ones += RULE30[4 * l + 2 * c + r] as number;
  }
  return bit(ones % 2 === 1);
}

/** fn_l: the SHA-256 digest of the ASCII bytes has an odd number of 1 bits. */
export function sha256Parity(x: string): 0 | 1 {
  const digest = createHash("sha256").update(x, "latin1").digest();
  let acc = 0;
  for (const byte of digest) acc ^= byte;
  // Parity of the XOR of all bytes equals the parity of all bits.
  acc ^= acc >> 4;
  acc ^= acc >> 2;
  acc ^= acc >> 1;
  return (acc & 1) as 0 | 1;
}
