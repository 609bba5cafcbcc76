/**
 * A strong probable-prime test to base 2 for odd n up to 448 bits, with Montgomery squaring in a small
 * WebAssembly module generated here (no build step, no dependency). It only filters: a "false" is a
 * proof of compositeness (a base-2 witness); a "true" still goes to the full BPSW test.
 *
 * Why not GMP's mpz_powm: gmp-wasm is GMP's generic C with 32-bit limbs, whose every multiply-add carries
 * through a dependency chain. Here limbs are 28 bits in 64-bit slots, so a column of up to 32 products
 * sums without carries (product scanning); the module is unrolled for one limb count, with each limb at
 * a constant address. Base 2 needs no multiplications besides squarings: a set exponent bit doubles.
 */

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

// --- a minimal WebAssembly encoder --------------------------------------------------------------

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const OP = {
  localGet: 0x20,
  localSet: 0x21,
  i32Const: 0x41,
  i64Const: 0x42,
  i64Load: 0x29,
  i64Store: 0x37,
  i64Add: 0x7c,
  i64Sub: 0x7d,
  i64Mul: 0x7e,
  i64And: 0x83,
  i64Shl: 0x86,
  i64ShrS: 0x87,
  i64ShrU: 0x88,
  i64LtS: 0x53,
  select: 0x1b,
  end: 0x0b,
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  br: 0x0c,
  brIf: 0x0d,
  call: 0x10,
  localTee: 0x22,
  i32Load8U: 0x2d,
  i32Add: 0x6a,
  i32GeU: 0x4f,
  void: 0x40,
} as const;

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
  /** The encoded body with `localCount` locals of type `type` (0x7e i64, 0x7f i32). */
  bytes(localCount: number, type = 0x7e): number[] {
    const body = [...(localCount > 0 ? [1, ...uleb(localCount), type] : [0]), ...this.code, OP.end];
    return [...uleb(body.length), ...body];
  }
}

const T = 0; // column accumulator
const P = 1; // sum of cross products, doubled once
const Q = 2; // scratch

/** After U (n + 1 limbs, value < 2N) is computed: X = U - N if U >= N, else U. */
function emitConditionalSubtract(f: Body, n: number): void {
  f.i64(0).set(T); // borrow, 0 or -1
  for (let i = 0; i < n; i++) {
    f.get(T)
      .load(U_OFF + 8 * i)
      .emit(OP.i64Add)
      .load(N_OFF + 8 * i)
      .emit(OP.i64Sub)
      .set(Q);
    f.store(D_OFF + 8 * i, () => f.get(Q).i64(MASK).emit(OP.i64And));
    f.get(Q).i64(LIMB_BITS).emit(OP.i64ShrS).set(T);
  }
  f.get(T)
    .load(U_OFF + 8 * n)
    .emit(OP.i64Add)
    .set(T); // negative iff U < N
  for (let i = 0; i < n; i++) {
    f.store(X_OFF + 8 * i, () =>
      f
        .load(U_OFF + 8 * i)
        .load(D_OFF + 8 * i)
        .get(T)
        .i64(0)
        .emit(OP.i64LtS, OP.select),
    );
  }
}

/** X = X^2 / R mod N (R = 2^(28n)), by product scanning; M holds the Montgomery quotient digits. */
function emitSquare(n: number): Body {
  const f = new Body();
  f.i64(0).set(T);
  for (let i = 0; i <= 2 * n - 1; i++) {
    // X products of column i: 2 * sum_{j < k, j + k = i} X[j] X[k] + X[i/2]^2
    f.i64(0).set(P);
    for (let j = Math.max(0, i - n + 1); 2 * j < i; j++) f.mulAdd(P, X_OFF + 8 * j, X_OFF + 8 * (i - j));
    f.get(T).get(P).i64(1).emit(OP.i64Shl, OP.i64Add).set(T);
    if (i % 2 === 0 && i / 2 < n) f.mulAdd(T, X_OFF + 4 * i, X_OFF + 4 * i);
    // M products of column i, M[j] known for j < min(i, n)
    for (let j = Math.max(0, i - n + 1); j < Math.min(i, n); j++)
      f.mulAdd(T, M_OFF + 8 * j, N_OFF + 8 * (i - j));
    if (i < n) {
      // M[i] = (T mod W) * (-1/N mod W) mod W makes the column divisible by W
      f.store(M_OFF + 8 * i, () =>
        f.get(T).i64(MASK).emit(OP.i64And).load(NINV_OFF).emit(OP.i64Mul).i64(MASK).emit(OP.i64And),
      );
      f.mulAdd(T, M_OFF + 8 * i, N_OFF);
    } else {
      f.store(U_OFF + 8 * (i - n), () => f.get(T).i64(MASK).emit(OP.i64And));
    }
    f.get(T).i64(LIMB_BITS).emit(OP.i64ShrU).set(T);
  }
  f.store(U_OFF + 8 * n, () => f.get(T));
  emitConditionalSubtract(f, n);
  return f;
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
    f.store(U_OFF + 8 * i, () => f.get(Q).i64(MASK).emit(OP.i64And));
    f.get(Q).i64(LIMB_BITS).emit(OP.i64ShrU).set(T);
  }
  f.store(U_OFF + 8 * n, () => f.get(T));
  emitConditionalSubtract(f, n);
  return f;
}

/**
 * pow2(count): for each of the `count` exponent bytes at E_OFF, X = X^2 (and X = 2X when the byte is 1):
 * the whole left-to-right exponentiation in one call, instead of a JS-to-wasm call per step. Parameter 0
 * is the count, local 1 the index.
 */
function emitPow2(): Body {
  const f = new Body();
  const COUNT = 0;
  const I = 1;
  f.emit(OP.block, OP.void, OP.loop, OP.void);
  f.emit(OP.localGet, I, OP.localGet, COUNT, OP.i32GeU, OP.brIf, 1); // i >= count: leave the block
  f.emit(OP.call, 0); // sqr
  f.emit(OP.localGet, I, OP.i32Load8U, 0, ...uleb(E_OFF), OP.if, OP.void, OP.call, 1, OP.end); // dbl
  f.emit(OP.localGet, I, OP.i32Const, 1, OP.i32Add, OP.localSet, I, OP.br, 0);
  f.emit(OP.end, OP.end);
  return f;
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function name(s: string): number[] {
  return [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
}

function buildModule(n: number): Uint8Array {
  const bodies = [emitSquare(n).bytes(3), emitDouble(n).bytes(3), emitPow2().bytes(1, 0x7f)];
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, [2, 0x60, 0, 0, 0x60, 1, 0x7f, 0]), // types: () -> (), (i32) -> ()
    ...section(3, [3, 0, 0, 1]), // sqr, dbl: () -> (); pow2: (i32) -> ()
    ...section(5, [1, 0x00, 1]), // one memory of one page
    ...section(7, [
      4,
      ...name("mem"),
      0x02,
      0,
      ...name("sqr"),
      0x00,
      0,
      ...name("dbl"),
      0x00,
      1,
      ...name("pow2"),
      0x00,
      2,
    ]),
    ...section(10, [3, ...bodies.flat()]),
  ]);
}

// --- the test ------------------------------------------------------------------------------------

interface Kernel {
  readonly words: Int32Array;
  readonly bytes: Uint8Array;
  readonly sqr: () => void;
  readonly dbl: () => void;
  readonly pow2: (count: number) => void;
}

const kernels = new Map<number, Kernel>();

/** The part of the WebAssembly JS API used here (the project's TypeScript lib has no DOM types). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (
    module: object,
  ) => {
    exports: {
      mem: { buffer: ArrayBuffer };
      sqr: () => void;
      dbl: () => void;
      pow2: (count: number) => void;
    };
  };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

function kernel(n: number): Kernel {
  let k = kernels.get(n);
  if (!k) {
    const e = new wasm.Instance(new wasm.Module(buildModule(n))).exports;
    k = {
      words: new Int32Array(e.mem.buffer),
      bytes: new Uint8Array(e.mem.buffer),
      sqr: e.sqr,
      dbl: e.dbl,
      pow2: e.pow2,
    };
    kernels.set(n, k);
  }
  return k;
}

/** Writes a number's hex digits as n limbs at byte offset `off` (low 32 bits of each 64-bit slot). */
function writeHexLimbs(words: Int32Array, off: number, hex: string, n: number): void {
  for (let i = 0; i < n; i++) {
    const end = hex.length - 7 * i;
    words[off / 4 + 2 * i] = end > 0 ? Number.parseInt(hex.slice(Math.max(0, end - 7), end), 16) : 0;
    words[off / 4 + 2 * i + 1] = 0;
  }
}

/** X == the limbs stored at `off`? */
function xEquals(words: Int32Array, off: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (words[X_OFF / 4 + 2 * i] !== words[off / 4 + 2 * i]) return false;
  return true;
}

/** -1 / a mod 2^28 for odd a (Newton's iteration on 32-bit words). */
function negInverse(a: number): number {
  let x = a; // correct to 3 bits
  for (let i = 0; i < 4; i++) x = Math.imul(x, 2 - Math.imul(a, x));
  return -x & MASK;
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
  writeHexLimbs(words, N_OFF, hex, k);
  words[NINV_OFF / 4] = negInverse(words[0] as number);
  words[NINV_OFF / 4 + 1] = 0;
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
