/**
 * A strong probable-prime test to base 2 for odd n up to 448 bits, with Montgomery squaring in a small
 * WebAssembly module generated here (no build step, no dependency). It only filters: a "false" is a
 * proof of compositeness (a base-2 witness); a "true" still goes to the full BPSW test.
 *
 * Why not GMP's mpz_powm: gmp-wasm is GMP's generic C with 32-bit limbs, whose every multiply-add carries
 * through a dependency chain. Here limbs are 28 bits in 64-bit slots, so a column of up to 32 products
 * sums without carries (product scanning); the module is unrolled for one limb count, with each limb at
 * a constant address. Base 2 needs no multiplications besides squarings: a set exponent bit doubles.
 *
 * Invariant: its base-2 test answers as isStrongProbablePrime(n, 2n) and its Lucas test as
 * isStrongLucasProbablePrime(n) in primality.ts, one number at a time (the SIMD kernels' one-by-one twin).
 */

import { hexLimb, negInverse } from "./limbs.js";
import { lucasParameter } from "./selfridge.js";
import { concat, functionBody, instantiate, name, OP, sleb, TYPE, uleb, wasmModule } from "./wasm-encoder.js";

const LIMB_BITS = 28;
const MASK = (1 << LIMB_BITS) - 1;
/** Limb slots per array in memory (8 bytes each); the module handles up to this many limbs. */
export const MAX_MONT_LIMBS = 16;
const N_OFF = 0;
const X_OFF = 8 * MAX_MONT_LIMBS;
const U_OFF = 2 * 8 * MAX_MONT_LIMBS; // n + 1 slots
const M_OFF = 4 * 8 * MAX_MONT_LIMBS;
const D_OFF = 5 * 8 * MAX_MONT_LIMBS;
const NINV_OFF = 6 * 8 * MAX_MONT_LIMBS;
const ONE_OFF = 7 * 8 * MAX_MONT_LIMBS; // R mod N: 1 in Montgomery form
const MINUS_ONE_OFF = 8 * 8 * MAX_MONT_LIMBS; // N - (R mod N)
/** The exponent's bits after the leading one, one byte each (0 or 1), most significant first (at most
 * 28 * MAX_MONT_LIMBS of them: well inside the one 64 KiB page). */
const E_OFF = 9 * 8 * MAX_MONT_LIMBS;
// The strong Lucas test's state, in Montgomery form: V'_{j+1} (LU), V'_j (LV), a temporary, and the
// constants P' and 2 of its Q' = 1 sequence (see moduleFunctions).
const LU_OFF = 14 * 8 * MAX_MONT_LIMBS;
const LV_OFF = 15 * 8 * MAX_MONT_LIMBS;
const LT1_OFF = 16 * 8 * MAX_MONT_LIMBS;
const LP_OFF = 17 * 8 * MAX_MONT_LIMBS;
const TWO_OFF = 18 * 8 * MAX_MONT_LIMBS;

/** Emits the body of one function; locals are i64. */
class Body {
  readonly code: number[] = [];
  emit(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }
  load(offset: number): this {
    return this.emit(OP.i32Const, 0, OP.i64Load, 3, ...uleb(offset));
  }
  /** Stores the value computed by `value` at a constant address. */
  store(offset: number, value: () => void): this {
    this.emit(OP.i32Const, 0);
    value();
    return this.emit(OP.i64Store, 3, ...uleb(offset));
  }
  get(local: number): this {
    return this.emit(OP.localGet, local);
  }
  set(local: number): this {
    return this.emit(OP.localSet, local);
  }
  i64(v: number): this {
    return this.emit(OP.i64Const, ...sleb(v));
  }
  /** local += mem[a] * mem[b] */
  mulAdd(local: number, a: number, b: number): this {
    return this.get(local).load(a).load(b).emit(OP.i64Mul, OP.i64Add).set(local);
  }
  /** The encoded body with `localCount` locals of type `type`. */
  bytes(localCount: number, type: number = TYPE.i64): Uint8Array {
    return functionBody(localCount > 0 ? [[localCount, type]] : [], this.code);
  }
}

const T = 0; // column accumulator
const P = 1; // sum of cross products, doubled once
const Q = 2; // scratch
const S = 3; // products of a column that do not depend on T (emitMontMul)

/**
 * Splits the column value in Q: its low LIMB_BITS bits go to memory at `addr`, the rest (the carry, or
 * with `signed` the borrow, 0 or -1) to local `carry`.
 */
function emitSplitLimb(f: Body, addr: number, carry: number, signed = false): void {
  f.store(addr, () => f.get(Q).i64(MASK).emit(OP.i64And));
  f.get(Q)
    .i64(LIMB_BITS)
    .emit(signed ? OP.i64ShrS : OP.i64ShrU)
    .set(carry);
}

/** D = a - b over n limbs, limb by limb; leaves the final borrow (0 or -1) in T. */
function emitLimbSubtract(f: Body, n: number, a: number, b: number): void {
  f.i64(0).set(T); // borrow, 0 or -1
  for (let i = 0; i < n; i++) {
    f.get(T)
      .load(a + 8 * i)
      .emit(OP.i64Add)
      .load(b + 8 * i)
      .emit(OP.i64Sub)
      .set(Q);
    emitSplitLimb(f, D_OFF + 8 * i, T, true);
  }
}

/** After U (n + 1 limbs, value < 2N) is computed: dst = U - N if U >= N, else U (uses D as scratch). */
function emitConditionalSubtract(f: Body, n: number, dst = X_OFF): void {
  emitLimbSubtract(f, n, U_OFF, N_OFF);
  f.get(T)
    .load(U_OFF + 8 * n)
    .emit(OP.i64Add)
    .set(T); // negative iff U < N
  for (let i = 0; i < n; i++) {
    f.store(dst + 8 * i, () =>
      f
        .load(U_OFF + 8 * i)
        .load(D_OFF + 8 * i)
        .get(T)
        .i64(0)
        .emit(OP.i64LtS, OP.select),
    );
  }
}

/**
 * r = a * b / R mod N (R = 2^(28n)) for a, b < N, by product scanning; M holds the Montgomery quotient
 * digits. When a and b are the same array (a squaring), each cross product is computed once and doubled.
 * r may be a or b: they are read only before r is written.
 */
function emitMontMul(f: Body, n: number, r: number, a: number, b: number): void {
  const square = a === b;
  f.i64(0).set(T);
  for (let i = 0; i <= 2 * n - 1; i++) {
    // S: the column's products that do not wait for T, so that only the m_i chain is serial
    f.i64(0).set(S);
    if (square) {
      // products of column i: 2 * sum_{j < k, j + k = i} a[j] a[k] + a[i/2]^2
      f.i64(0).set(P);
      for (let j = Math.max(0, i - n + 1); 2 * j < i; j++) f.mulAdd(P, a + 8 * j, a + 8 * (i - j));
      f.get(P).i64(1).emit(OP.i64Shl).set(S);
      if (i % 2 === 0 && i / 2 < n) f.mulAdd(S, a + 4 * i, a + 4 * i);
    } else {
      for (let j = Math.max(0, i - n + 1); j <= Math.min(i, n - 1); j++)
        f.mulAdd(S, a + 8 * j, b + 8 * (i - j));
    }
    // M products of column i, M[j] known for j < min(i, n); M[i - 1] is still in Q (a load right after
    // its store would wait on the store)
    for (let j = Math.max(0, i - n + 1); j < Math.min(i, n); j++) {
      if (j === i - 1)
        f.get(S)
          .get(Q)
          .load(N_OFF + 8 * (i - j))
          .emit(OP.i64Mul, OP.i64Add)
          .set(S);
      else f.mulAdd(S, M_OFF + 8 * j, N_OFF + 8 * (i - j));
    }
    f.get(T).i64(LIMB_BITS).emit(OP.i64ShrU).get(S).emit(OP.i64Add).set(T);
    if (i < n) {
      // M[i] = (T mod W) * (-1/N mod W) mod W makes the column divisible by W
      f.get(T).i64(MASK).emit(OP.i64And).load(NINV_OFF).emit(OP.i64Mul).i64(MASK).emit(OP.i64And).set(Q);
      f.store(M_OFF + 8 * i, () => f.get(Q));
      f.get(T).get(Q).load(N_OFF).emit(OP.i64Mul, OP.i64Add).set(T);
    } else {
      f.store(U_OFF + 8 * (i - n), () => f.get(T).i64(MASK).emit(OP.i64And));
    }
  }
  f.store(U_OFF + 8 * n, () => f.get(T).i64(LIMB_BITS).emit(OP.i64ShrU));
  emitConditionalSubtract(f, n, r);
}

/** X = X^2 / R mod N. */
function emitSquare(n: number): Body {
  const f = new Body();
  emitMontMul(f, n, X_OFF, X_OFF, X_OFF);
  return f;
}

/** dst = a - b mod N for a, b < N (uses D as scratch). dst may be a or b. */
function emitSub(f: Body, n: number, dst: number, a: number, b: number): void {
  emitLimbSubtract(f, n, a, b);
  // T is -1 iff a < b: then add N (T & N[i] is N[i] or 0); the final carry out is dropped.
  f.i64(0).set(P); // carry
  for (let i = 0; i < n; i++) {
    f.get(P)
      .load(D_OFF + 8 * i)
      .emit(OP.i64Add)
      .load(N_OFF + 8 * i)
      .get(T)
      .emit(OP.i64And, OP.i64Add)
      .set(Q);
    emitSplitLimb(f, dst + 8 * i, P);
  }
}

/** dst = a + b mod N for a, b < N (uses U and D as scratch). dst may be a or b. */
function emitAdd(f: Body, n: number, dst: number, a: number, b: number): void {
  // U = a + b (< 2N, n + 1 limbs), then dst = U mod N
  f.i64(0).set(T);
  for (let i = 0; i < n; i++) {
    f.load(a + 8 * i)
      .load(b + 8 * i)
      .emit(OP.i64Add)
      .get(T)
      .emit(OP.i64Add)
      .set(Q);
    emitSplitLimb(f, U_OFF + 8 * i, T);
  }
  f.store(U_OFF + 8 * n, () => f.get(T));
  emitConditionalSubtract(f, n, dst);
}

/** X = 2X mod N. */
function emitDouble(n: number): Body {
  const f = new Body();
  f.i64(0).set(T);
  for (let i = 0; i < n; i++) {
    f.load(X_OFF + 8 * i)
      .i64(1)
      .emit(OP.i64Shl)
      .get(T)
      .emit(OP.i64Add)
      .set(Q);
    emitSplitLimb(f, U_OFF + 8 * i, T);
  }
  f.store(U_OFF + 8 * n, () => f.get(T));
  emitConditionalSubtract(f, n);
  return f;
}

/** dst = src. */
function emitCopy(f: Body, n: number, dst: number, src: number): void {
  for (let i = 0; i < n; i++) f.store(dst + 8 * i, () => f.load(src + 8 * i));
}

/**
 * A left-to-right ladder over the `count` exponent bytes at E_OFF (parameter 0; local 1 is the index):
 * for each byte, call the functions `always`, then, when the byte is 1, the functions `ifSet`, else the
 * functions `ifClear`. The whole exponentiation is one JS-to-wasm call instead of one per step.
 */
function emitLadder(
  always: readonly number[],
  ifSet: readonly number[],
  ifClear: readonly number[] = [],
): Body {
  const f = new Body();
  const COUNT = 0;
  const I = 1;
  f.emit(OP.block, OP.void, OP.loop, OP.void);
  f.emit(OP.localGet, I, OP.localGet, COUNT, OP.i32GeU, OP.brIf, 1); // i >= count: leave the block
  for (const fn of always) f.emit(OP.call, ...uleb(fn));
  f.emit(OP.localGet, I, OP.i32Load8U, 0, ...uleb(E_OFF), OP.if, OP.void);
  for (const fn of ifSet) f.emit(OP.call, ...uleb(fn));
  if (ifClear.length > 0) {
    f.emit(OP.else);
    for (const fn of ifClear) f.emit(OP.call, ...uleb(fn));
  }
  f.emit(OP.end);
  f.emit(OP.localGet, I, OP.i32Const, 1, OP.i32Add, OP.localSet, I, OP.br, 0);
  f.emit(OP.end, OP.end);
  return f;
}

/** One generated function of the module: its export name, whether it takes the i32 count, its body. */
interface WasmFunction {
  readonly name: string;
  readonly counted: boolean;
  readonly body: Body;
}

function body(emit: (f: Body) => void): Body {
  const f = new Body();
  emit(f);
  return f;
}

/**
 * The module's functions, in index order (calls refer to these indices).
 *
 * Base 2: X = 2^e, a set exponent bit is a doubling.
 *
 * Strong Lucas (P = 1, Q): with Q prime to n, the test is run on the sequence V' of P' = P^2/Q - 2 and
 * Q' = 1, for which V'_j = V_{2j} / Q^j, so no Q^k is carried (two products per exponent bit, whatever
 * Q). With n + 1 = d 2^s, d = 2m + 1, the identities D U_m = V_{m+1} - Q V_{m-1} and
 * P V_m = V_{m+1} + Q V_{m-1} give D U_d = Q^{m+1} (V'_{m+1} - V'_m) and V_d = Q^{m+1} (V'_{m+1} + V'_m),
 * and V_{d 2^r} = Q^{d 2^(r-1)} V'_{d 2^(r-1)}: as D and Q are units mod n, each condition of the test
 * (U_d = 0, V_d = 0, V_{d 2^r} = 0 for 0 < r < s) holds exactly when its V' form does. A ladder on
 * (V'_j, V'_{j+1}) over m's bits: T1 = V'_j V'_{j+1} - P' = V'_{2j+1} at every bit, then j -> 2j is
 * V = V^2 - 2, LU = T1, and j -> 2j + 1 is LU = LU^2 - 2, V = T1.
 */
function moduleFunctions(n: number): WasmFunction[] {
  return [
    { name: "sqr", counted: false, body: emitSquare(n) }, // 0
    { name: "dbl", counted: false, body: emitDouble(n) }, // 1
    { name: "pow2", counted: true, body: emitLadder([0], [1]) }, // 2
    {
      name: "lucVV", // 3: T1 = V'_j V'_{j+1} - P'
      counted: false,
      body: body((f) => {
        emitMontMul(f, n, LT1_OFF, LV_OFF, LU_OFF);
        emitSub(f, n, LT1_OFF, LT1_OFF, LP_OFF);
      }),
    },
    {
      name: "lucOdd", // 4: LU = LU^2 - 2, V = T1
      counted: false,
      body: body((f) => {
        emitMontMul(f, n, LU_OFF, LU_OFF, LU_OFF);
        emitSub(f, n, LU_OFF, LU_OFF, TWO_OFF);
        emitCopy(f, n, LV_OFF, LT1_OFF);
      }),
    },
    {
      name: "lucEven", // 5: V = V^2 - 2, LU = T1
      counted: false,
      body: body((f) => {
        emitMontMul(f, n, LV_OFF, LV_OFF, LV_OFF);
        emitSub(f, n, LV_OFF, LV_OFF, TWO_OFF);
        emitCopy(f, n, LU_OFF, LT1_OFF);
      }),
    },
    { name: "lucas", counted: true, body: emitLadder([3], [4], [5]) }, // 6
    { name: "lucSum", counted: false, body: body((f) => emitAdd(f, n, LT1_OFF, LU_OFF, LV_OFF)) }, // 7
    {
      name: "lucNext", // 8: T1 = T1^2 - 2
      counted: false,
      body: body((f) => {
        emitMontMul(f, n, LT1_OFF, LT1_OFF, LT1_OFF);
        emitSub(f, n, LT1_OFF, LT1_OFF, TWO_OFF);
      }),
    },
  ];
}

function buildModule(n: number): Uint8Array {
  const fns = moduleFunctions(n);
  // 4 i64 locals (T, P, Q, S) in the arithmetic; 1 i32 local (the index) in the ladders
  const bodies = fns.map((fn) => (fn.counted ? fn.body.bytes(1, TYPE.i32) : fn.body.bytes(4, TYPE.i64)));
  const exports = fns.flatMap((fn, i) => [...name(fn.name), 0x00, ...uleb(i)]);
  return wasmModule([
    [1, [2, 0x60, 0, 0, 0x60, 1, TYPE.i32, 0]], // types: 0 is () -> (), 1 is (i32) -> ()
    [3, [fns.length, ...fns.map((fn) => (fn.counted ? 1 : 0))]],
    [5, [1, 0x00, 1]], // one memory of one page
    [7, [...uleb(fns.length + 1), ...name("mem"), 0x02, 0, ...exports]],
    [10, concat([uleb(fns.length), ...bodies])],
  ]);
}

// --- the test ------------------------------------------------------------------------------------

type Exports = {
  readonly sqr: () => void;
  readonly pow2: (count: number) => void;
  readonly lucVV: () => void;
  readonly lucas: (count: number) => void;
  readonly lucSum: () => void;
  readonly lucNext: () => void;
};

interface Kernel extends Exports {
  readonly words: Int32Array;
  readonly bytes: Uint8Array;
}

const kernels = new Map<number, Kernel>();

function kernel(n: number): Kernel {
  let k = kernels.get(n);
  if (!k) {
    const e = instantiate<Exports>(buildModule(n));
    k = {
      words: new Int32Array(e.mem.buffer),
      bytes: new Uint8Array(e.mem.buffer),
      sqr: e.sqr,
      pow2: e.pow2,
      lucVV: e.lucVV,
      lucas: e.lucas,
      lucSum: e.lucSum,
      lucNext: e.lucNext,
    };
    kernels.set(n, k);
  }
  return k;
}

/** Writes a number's hex digits as n limbs at byte offset `off` (low 32 bits of each 64-bit slot). */
function writeHexLimbs(words: Int32Array, off: number, hex: string, n: number): void {
  for (let i = 0; i < n; i++) {
    words[off / 4 + 2 * i] = hexLimb(hex, i);
    words[off / 4 + 2 * i + 1] = 0;
  }
}

/** X == the limbs stored at `off`? */
function xEquals(words: Int32Array, off: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (words[X_OFF / 4 + 2 * i] !== words[off / 4 + 2 * i]) return false;
  return true;
}

/** Are the n limbs at `a` and at `b` the same? */
function equals(words: Int32Array, a: number, b: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (words[a / 4 + 2 * i] !== words[b / 4 + 2 * i]) return false;
  return true;
}

/** Are the n limbs at `off` all zero? */
function isZero(words: Int32Array, off: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (words[off / 4 + 2 * i] !== 0) return false;
  return true;
}

/** Writes N and -1/N mod 2^28 for a modulus of k limbs with hex digits `hex`. */
function writeModulus(words: Int32Array, hex: string, k: number): void {
  writeHexLimbs(words, N_OFF, hex, k);
  words[NINV_OFF / 4] = negInverse(words[0] as number);
  words[NINV_OFF / 4 + 1] = 0;
}

/** The limb count the kernel uses for n, or 0 when n is too large for it. */
export function montLimbs(n: bigint): number {
  const limbs = Math.ceil(n.toString(16).length / 7);
  return limbs <= MAX_MONT_LIMBS ? limbs : 0;
}

/**
 * Strong probable-prime test to base 2 of an odd n > 3 with montLimbs(n) > 0 (else a RangeError):
 * false means n is composite; true means n is prime or a base-2 strong pseudoprime.
 */
export function isStrongProbablePrime2(n: bigint): boolean {
  const hex = n.toString(16);
  const k = Math.ceil(hex.length / 7);
  if (k > MAX_MONT_LIMBS || (n & 1n) === 0n || n <= 3n)
    throw new RangeError(`isStrongProbablePrime2: bad n ${n}`);
  const { words, bytes, sqr, pow2 } = kernel(k);
  const rModN = (1n << BigInt(LIMB_BITS * k)) % n;
  writeModulus(words, hex, k);
  writeHexLimbs(words, ONE_OFF, rModN.toString(16), k);
  writeHexLimbs(words, MINUS_ONE_OFF, (n - rModN).toString(16), k);
  // n - 1 = d * 2^s, d odd. n - 1 has n's bits with bit 0 cleared, so d's bits are n's bits above s.
  const bits = n.toString(2);
  const top = bits.length - 1;
  let s = 1;
  while (bits.charCodeAt(top - s) === 48) s++;
  writeHexLimbs(words, X_OFF, ((2n * rModN) % n).toString(16), k); // 2 in Montgomery form: d's top bit
  const count = top - s;
  for (let i = 0; i < count; i++) bytes[E_OFF + i] = bits.charCodeAt(i + 1) - 48;
  pow2(count);
  if (xEquals(words, ONE_OFF, k) || xEquals(words, MINUS_ONE_OFF, k)) return true;
  for (let r = 1; r < s; r++) {
    sqr();
    if (xEquals(words, MINUS_ONE_OFF, k)) return true;
    if (xEquals(words, ONE_OFF, k)) return false;
  }
  return false;
}

/**
 * Strong Lucas probable-prime test with Selfridge's parameters (method A: the first D of 5, -7, 9, -11, ...
 * with Jacobi (D/n) = -1, P = 1, Q = (1 - D) / 4) of an odd n > 3 with montLimbs(n) > 0 (else a
 * RangeError), in the wasm kernel: the same test as primality.ts's isStrongLucasProbablePrime, including
 * its answers for squares (false) and for n with a small factor found by the D search (false), computed on
 * the Q' = 1 sequence (see moduleFunctions). Together with isStrongProbablePrime2 it is BPSW.
 */
export function isStrongLucasProbablePrimeMont(n: bigint): boolean {
  const hex = n.toString(16);
  const k = Math.ceil(hex.length / 7);
  if (k > MAX_MONT_LIMBS || (n & 1n) === 0n || n <= 3n)
    throw new RangeError(`isStrongLucasProbablePrimeMont: bad n ${n}`);
  const pPrime = lucasParameter(n);
  if (typeof pPrime === "boolean") return pPrime;
  const { words, bytes, lucVV, lucas, lucSum, lucNext } = kernel(k);
  const rModN = (1n << BigInt(LIMB_BITS * k)) % n;
  const mont = (v: bigint): string => ((((v % n) + n) * rModN) % n).toString(16);
  writeModulus(words, hex, k);
  writeHexLimbs(words, LP_OFF, mont(pPrime), k);
  writeHexLimbs(words, TWO_OFF, mont(2n), k);
  // n + 1 = d 2^s, d = 2m + 1: m's bits are those of n + 1 without its s + 1 lowest
  const bits = (n + 1n).toString(2);
  let s = 0;
  while (bits.charCodeAt(bits.length - 1 - s) === 48) s++;
  const mBits = bits.length - 1 - s;
  if (mBits === 0) {
    // m = 0: (V'_0, V'_1) = (2, P')
    writeHexLimbs(words, LV_OFF, mont(2n), k);
    writeHexLimbs(words, LU_OFF, mont(pPrime), k);
  } else {
    // from (V'_1, V'_2) = (P', P'^2 - 2), along m's bits after its leading one
    writeHexLimbs(words, LV_OFF, mont(pPrime), k);
    writeHexLimbs(words, LU_OFF, mont(pPrime * pPrime - 2n), k);
    const count = mBits - 1;
    for (let i = 0; i < count; i++) bytes[E_OFF + i] = bits.charCodeAt(i + 1) - 48;
    lucas(count);
  }
  // U_d = 0 iff V'_{m+1} = V'_m; V_d = 0 iff V'_{m+1} + V'_m = 0
  if (equals(words, LU_OFF, LV_OFF, k)) return true;
  lucSum();
  if (isZero(words, LT1_OFF, k)) return true;
  // V_{d 2^r} = 0 iff V'_{d 2^(r-1)} = 0, for 0 < r < s; V'_d = V'_m V'_{m+1} - P'
  for (let r = 1; r < s; r++) {
    if (r === 1) lucVV();
    else lucNext();
    if (isZero(words, LT1_OFF, k)) return true;
  }
  return false;
}
