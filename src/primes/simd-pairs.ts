/**
 * What the SIMD Montgomery kernels (base2-pair-kernel.ts, lucas-pair-kernel.ts) share: four numbers at
 * once, in two groups (128-bit vectors) of two lanes; 28-bit limbs stored as pairs of 32-bit words
 * [lane 0, lane 1], so that one `i64x2.extmul_low_i32x4_u` multiplies a limb of each lane by the other
 * operand's limb of the same lane; the code emitter; and the JS helpers that turn numbers into limbs.
 *
 * Invariant: number i of a batch is lane i & 1 of group i >> 1, and limb j of lane l of group g is the 32-bit
 * word at byte GROUP_BYTES g + (array offset) + 8j + 4l (docs/primes.md);
 * the emitted Montgomery product keeps the lazy bounds its callers state (results < 2N from inputs < 4N).
 */
import { hexDigit, LIMB_BITS, MASK, RADIX } from "./limbs.js";
import { functionBody, OP, sleb, uleb, V } from "./wasm-encoder.js";

export { hexDigit, hexLimb, LIMB_BITS, MASK, negInverse, RADIX } from "./limbs.js";

/** The kernels handle up to this many limbs: numbers up to 28 * 16 - 4 = 444 bits. */
export const MAX_PAIR_LIMBS = 16;
/** Lanes per 128-bit vector, and vectors per kernel: their chains interleave to hide each other's latency. */
export const LANES = 2;
export const GROUPS = 2;
/** How many numbers one call takes at once. */
export const BATCH = LANES * GROUPS;
/** Each group's arrays lie in its own block of memory. */
export const GROUP_BYTES = 4096;

/** The bytes of i8x16.shuffle that gather 32-bit words 0 and 2 (each 64-bit lane's low word) into lanes 0, 1. */
const PACK_LOW_WORDS = [0, 1, 2, 3, 8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11];
/** The bytes of i8x16.shuffle that repeat the low 64 bits (words 0, 1) in the high ones. */
const REPEAT_LOW_HALF = [0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7];

/** v128 locals every kernel function that uses mulAdd2 reserves: a constant and two scratch pairs. */
const K_MASK = 0; // 2^28 - 1 in both lanes
const A2 = 1; // two limbs of one side of a column (scratch)
const B2 = 2; // their partners (scratch)
const SHARED_LOCALS = 3;
/** The v128 locals of a function made by emitMontMul: the shared ones, then T, S, W per group. */
export const MUL_LOCALS = SHARED_LOCALS + 3 * GROUPS;

/** The code of one function, with the few compound instructions the kernels use. */
export class SimdBody {
  readonly code: number[] = [];
  emit(...bytes: readonly number[]): this {
    this.code.push(...bytes);
    return this;
  }
  get(local: number): this {
    return this.emit(OP.localGet, ...uleb(local));
  }
  set(local: number): this {
    return this.emit(OP.localSet, ...uleb(local));
  }
  /** Pushes the pair of 28-bit limbs at a constant address (zero-extended: words 0, 1 of a v128). */
  limb(addr: number): this {
    return this.emit(OP.i32Const, 0, ...V.load64Zero, 3, ...uleb(addr));
  }
  /** local += limb(a) * limb(b), lane by lane. */
  mulAdd(local: number, a: number, b: number): this {
    return this.get(local)
      .limb(a)
      .limb(b)
      .emit(...V.extmulLowU, ...V.i64x2Add)
      .set(local);
  }
  /**
   * local += a[0] * b[0] + a[1] * b[1], lane by lane, where a[0], a[1] are the limb pairs at `a` and
   * a + 8, and b[0], b[1] those at `b` and b + 8: one 16-byte load of each side.
   */
  mulAdd2(local: number, a: number, b: number): this {
    this.get(local).emit(OP.i32Const, 0, ...V.load, 3, ...uleb(a), OP.localTee, A2);
    this.emit(OP.i32Const, 0, ...V.load, 3, ...uleb(b), OP.localTee, B2);
    this.emit(...V.extmulLowU, ...V.i64x2Add)
      .get(A2)
      .get(B2);
    return this.emit(...V.extmulHighU, ...V.i64x2Add).set(local);
  }
  /** Packs the two 64-bit lanes on the stack into words 0, 1 (their low 32 bits). */
  pack(scratch: number): this {
    this.emit(OP.localTee, scratch).get(scratch);
    return this.emit(...V.shuffle, ...PACK_LOW_WORDS);
  }
  /** Stores words 0, 1 of the v128 computed by `value` at a constant address. */
  storePair(addr: number, value: () => void): this {
    this.emit(OP.i32Const, 0);
    value();
    return this.emit(...V.store64Lane, 3, ...uleb(addr), 0);
  }
  bytes(groups: readonly (readonly [number, number])[]): Uint8Array {
    return functionBody(groups, this.code);
  }
}

/** Where a kernel keeps, in each group's block, what its Montgomery products need (byte offsets). */
export interface MontArrays {
  /** N: limb j at n + 8j. */
  readonly n: number;
  /** N in reverse limb order: limb h at nr + 8 (k - 1 - h). */
  readonly nr: number;
  /** The Montgomery digits of the product under way. */
  readonly m: number;
  /** -1/N mod 2^28. */
  readonly ninv: number;
}

/** One product's operands and result (byte offsets in each group's block). */
export interface MulOperands {
  readonly a: number;
  /** a === b: a squaring (each cross product once, doubled). */
  readonly b: number;
  /** A copy of b (of a, for a squaring) in reverse limb order, limb h at rev + 8 (k - 1 - h): a 16-byte
   * load there holds b[h], b[h - 1], the partners of a[j], a[j + 1] in a column, so products go two per
   * pair of loads. Without it, one per pair. */
  readonly rev?: number;
  readonly dst: number;
  /** Where to write the result in reverse limb order too (laid out as `rev`). */
  readonly dstRev?: number;
}

/**
 * dst = a * b / R mod N in every lane, lazily (inputs < 4N with limbs < 2^29 give an output < 2N with
 * limbs < 2^28, since R = 2^(28k) > 16N), by product scanning, the groups' columns interleaved. The
 * output limb of column i >= k is written over a's and b's limb i - k, which no later column reads, so dst
 * may be a or b. The function's v128 locals: MUL_LOCALS.
 */
export function emitMontMul(k: number, arrays: MontArrays, ops: MulOperands): SimdBody {
  const f = new SimdBody();
  const groups = Array.from({ length: GROUPS }, (_, g) => {
    const l = SHARED_LOCALS + 3 * g;
    const base = GROUP_BYTES * g;
    return {
      T: l, // column accumulator
      S: l + 1, // the column's products that do not wait for T
      W: l + 2, // m_i just computed, or the output limb pair
      at: (off: number, j: number) => base + off + 8 * j,
      rev: (off: number, h: number) => base + off + 8 * (k - 1 - h),
    };
  });
  const { a, b, rev, dst, dstRev } = ops;
  f.emit(OP.i64Const, ...sleb(MASK), ...V.i64x2Splat).set(K_MASK);
  for (const g of groups) f.emit(OP.i64Const, 0, ...V.i64x2Splat).set(g.T);
  for (let i = 0; i <= 2 * k - 1; i++) {
    for (const { T, S, W, at, rev: revAt } of groups) {
      const lo = Math.max(0, i - k + 1);
      const hi = Math.min(i, k - 1);
      // S = the column's a b products + sum_{j < i} m_j n_{i-j}: none of it waits for T
      f.emit(OP.i64Const, 0, ...V.i64x2Splat).set(S);
      if (a === b) {
        // 2 sum_{j < h, j + h = i} a_j a_h + a_{i/2}^2
        if (2 * lo < i) {
          let j = lo;
          if (rev !== undefined) for (; 2 * (j + 1) < i; j += 2) f.mulAdd2(S, at(a, j), revAt(rev, i - j));
          for (; 2 * j < i; j++) f.mulAdd(S, at(a, j), at(a, i - j));
          f.get(S)
            .emit(OP.i32Const, 1, ...V.i64x2Shl)
            .set(S);
        }
        if (i % 2 === 0 && i / 2 < k) f.mulAdd(S, at(a, i / 2), at(a, i / 2));
      } else {
        let j = lo;
        if (rev !== undefined) for (; j + 1 <= hi; j += 2) f.mulAdd2(S, at(a, j), revAt(rev, i - j));
        for (; j <= hi; j++) f.mulAdd(S, at(a, j), at(b, i - j));
      }
      // m_j n_{i-j} for j < min(i, k): m_{i-1} is still in W (reading it back from memory would put a
      // store-to-load wait on the chain); the others come from memory, two per pair of loads
      const top = Math.min(i, k);
      const fromMemory = Math.min(i - 1, top);
      let j = lo;
      for (; j + 1 < fromMemory; j += 2) f.mulAdd2(S, at(arrays.m, j), revAt(arrays.nr, i - j));
      if (j < fromMemory) f.mulAdd(S, at(arrays.m, j), at(arrays.n, i - j));
      if (fromMemory < top)
        f.get(S)
          .get(W)
          .limb(at(arrays.n, 1))
          .emit(...V.extmulLowU, ...V.i64x2Add)
          .set(S);
      f.get(T)
        .emit(OP.i32Const, LIMB_BITS, ...V.i64x2ShrU)
        .get(S)
        .emit(...V.i64x2Add)
        .set(T);
      if (i < k) {
        // m_i = (T mod 2^28) * (-1/N) mod 2^28 per lane makes the column divisible by 2^28
        f.get(T)
          .pack(W)
          .limb(at(arrays.ninv, 0))
          .emit(...V.extmulLowU)
          .get(K_MASK)
          .emit(...V.and)
          .pack(W)
          .set(W);
        f.storePair(at(arrays.m, i), () => f.get(W));
        f.get(T)
          .get(W)
          .limb(at(arrays.n, 0))
          .emit(...V.extmulLowU, ...V.i64x2Add)
          .set(T);
      } else {
        f.get(T)
          .get(K_MASK)
          .emit(...V.and)
          .pack(W)
          .set(W);
        f.storePair(at(dst, i - k), () => f.get(W));
        if (dstRev !== undefined) f.storePair(revAt(dstRev, i - k), () => f.get(W));
      }
    }
  }
  return f;
}

/** Locals of a ladder function (emitBitLoop): the bit count (its i32 parameter), then the limb q and the
 * bit b in it of the exponent bit at hand (i32). Its other locals start at LADDER_LOCALS. */
const COUNT = 0;
const Q = 1;
const B = 2;
export const LADDER_LOCALS = 3;

/**
 * A loop over the exponents' low `count` bits (count >= 1), most significant first; `step` emits the
 * work of one bit, and may read each lane's bit with emitLaneMasks.
 */
export function emitBitLoop(f: SimdBody, step: () => void): void {
  // position count - 1: q = (count - 1) / 28, b = (count - 1) % 28 (unsigned: count 0 would wrap)
  f.emit(OP.localGet, COUNT, OP.i32Const, 1, OP.i32Sub, OP.i32Const, LIMB_BITS, OP.i32DivU, OP.localSet, Q);
  f.emit(OP.localGet, COUNT, OP.i32Const, 1, OP.i32Sub, OP.i32Const, LIMB_BITS, OP.i32RemU, OP.localSet, B);
  f.emit(OP.block, OP.void, OP.loop, OP.void);
  f.emit(OP.localGet, Q, OP.i32Const, 0, OP.i32LtS, OP.brIf, 1); // q < 0: every bit done, leave the block
  step();
  // the next bit: b - 1, or bit 27 of limb q - 1
  f.emit(OP.localGet, B, OP.i32Const, 1, OP.i32Sub, OP.localSet, B);
  f.emit(OP.localGet, B, OP.i32Const, 0, OP.i32LtS, OP.if, OP.void);
  f.emit(
    OP.i32Const,
    LIMB_BITS - 1,
    OP.localSet,
    B,
    OP.localGet,
    Q,
    OP.i32Const,
    1,
    OP.i32Sub,
    OP.localSet,
    Q,
  );
  f.emit(OP.end, OP.br, 0); // end if; continue
  f.emit(OP.end, OP.end);
}

/**
 * Inside emitBitLoop: local `masks` = -(bit) per lane, for the bit at hand of the exponent limbs at byte
 * offset `e` (pairs of 28-bit limbs, as N), in words 0, 1 and again in 2, 3 (so it selects whole limb
 * pairs of a 16-byte vector).
 */
export function emitLaneMasks(f: SimdBody, e: number, masks: number): void {
  f.emit(OP.localGet, Q, OP.i32Const, 3, OP.i32Shl, ...V.load64Zero, 3, ...uleb(e));
  f.emit(OP.localGet, B, ...V.i32x4ShrU, OP.i32Const, 1, ...V.i32x4Splat, ...V.and, ...V.i32x4Neg);
  f.emit(OP.localTee, masks, OP.localGet, masks, ...V.shuffle, ...REPEAT_LOW_HALF).set(masks);
}

/** First word of the array at byte offset `off` in lane L (group L >> 1, lane L & 1): limb i is at + 2i. */
export function laneWord(L: number, off: number): number {
  return (GROUP_BYTES * (L >> 1) + off) / 4 + (L & 1);
}

/**
 * Lane L's value at byte offset `off` (< 4N, limbs < 2^30) fully reduced into out[0..k): limbs carried to
 * 28 bits, then N (k limbs at n[nAt..]) subtracted while the value is >= N.
 */
export function reduceLane(
  words: Int32Array,
  L: number,
  off: number,
  n: ArrayLike<number>,
  nAt: number,
  k: number,
  out: Int32Array,
): void {
  const w = laneWord(L, off);
  let carry = 0;
  for (let i = 0; i < k; i++) {
    const v = (words[w + 2 * i] as number) + carry;
    out[i] = v & MASK;
    carry = Math.floor(v / RADIX);
  }
  for (;;) {
    let i = k - 1;
    while (i >= 0 && out[i] === n[nAt + i]) i--;
    if (i >= 0 && (out[i] as number) < (n[nAt + i] as number)) return;
    let borrow = 0;
    for (let j = 0; j < k; j++) {
      const v = (out[j] as number) - (n[nAt + j] as number) - borrow;
      borrow = v < 0 ? 1 : 0;
      out[j] = v + borrow * RADIX;
    }
  }
}

/** Bits of a number given its hex digits. */
export function bitLength(hex: string): number {
  return 4 * (hex.length - 1) + (32 - Math.clz32(hexDigit(hex.charCodeAt(0))));
}

/** The limb count for numbers below 2^bits: R = 2^(28k) must exceed 16N. */
export function pairLimbs(bits: number): number {
  return Math.ceil((bits + 4) / LIMB_BITS);
}
