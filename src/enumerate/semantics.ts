/**
 * The meaning of each primitive on one input, shared by the search (vectorised over the training
 * inputs) and by evaluateProgram (one program on fresh inputs). These are Python 3's semantics.
 */

/** Integers are kept within int32: a program whose value leaves it on some input is dropped. */
export const INT_MAX = 2147483647;

/** Python's floor modulo for a positive modulus. */
export function pyMod(a: number, m: number): number {
  const r = a % m;
  return r < 0 ? r + m : r + 0; // + 0 turns -0 into 0
}

/** str.count for a single character. */
export function countChar(s: string, c: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s[i] === c) n++;
  return n;
}

/** int(s) % m for a string of decimal digits (streamed, exact for any length). */
export function intMod(s: string, m: number): number {
  let r = 0;
  for (let i = 0; i < s.length; i++) r = (r * 10 + (s.charCodeAt(i) - 48)) % m;
  return r;
}

/** Sum over chosen positions: int(x[i]) when c is null, else the number of positions holding c. */
export function gatherSum(x: string, idx: readonly number[], c: string | null): number {
  let n = 0;
  for (const i of idx) n += c === null ? x.charCodeAt(i) - 48 : x[i] === c ? 1 : 0;
  return n;
}

/** The integer result, or NaN when it leaves the int32 range. */
export function intBinary(op: "add" | "sub" | "mul", a: number, b: number): number {
  const v = op === "add" ? a + b : op === "sub" ? a - b : a * b;
  return v > INT_MAX || v < -INT_MAX ? Number.NaN : v + 0; // + 0 turns -0 into 0
}
