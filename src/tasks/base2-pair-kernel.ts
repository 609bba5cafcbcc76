/**
 * Strong probable-prime tests to base 2 of four odd numbers at once: two 128-bit SIMD vectors of two
 * 64-bit lanes each, whose column chains are interleaved; the next-prime search tests its sieve survivors
 * four at a time. The module is generated here for one limb count (no build step, no dependency), as
 * prime-montgomery.ts's scalar kernel.
 *
 * Limbs are 28 bits, stored as pairs of 32-bit words [lane 0, lane 1], so that one
 * `i64x2.extmul_low_i32x4_u` multiplies a limb of each lane by the other operand's limb of the same lane
 * (two 56-bit products per instruction; per number, ~1.8x the scalar kernel's speed here). Columns of
 * products sum in 64-bit lanes without carries (product scanning).
 *
 * Reduction is lazy: with R = 2^(28k) > 16N, a Montgomery squaring of any x < 4N gives a result < 2N, so
 * no conditional subtraction runs per step, and a set exponent bit doubles the limbs in place (limbs
 * < 2^29, values < 4N: still inside every bound). Only the final comparisons reduce fully, in JS.
 */
import {
  bitLength,
  GROUPS,
  hexLimb,
  I32_CONST,
  I64_CONST,
  instantiate,
  K_MASK,
  LOCAL_GET,
  LOCAL_SET,
  LOCAL_TEE,
  negInverse,
  op,
  BATCH as PAIR_BATCH,
  GROUP_BYTES as PAIR_GROUP_BYTES,
  LIMB_BITS as PAIR_LIMB_BITS,
  MASK as PAIR_MASK,
  MAX_PAIR_LIMBS as PAIR_MAX_PAIR_LIMBS,
  pairLimbs,
  REPEAT_LOW_HALF,
  SHARED_LOCALS,
  SimdBody,
} from "./simd-pairs.js";
import { concat, name, sleb, uleb, wasmModule } from "./wasm-encoder.js";

// The numbers the hot JS below uses are bound as this module's own consts: V8's optimized code reads
// imported bindings from their module cells instead of folding them (imported, the JS share of a
// base-2 batch grew from 1.3 to 3 µs per number).
const BATCH = PAIR_BATCH;
const GROUP_BYTES = PAIR_GROUP_BYTES;
const LIMB_BITS = PAIR_LIMB_BITS;
const MASK = PAIR_MASK;
const MAX_PAIR_LIMBS = PAIR_MAX_PAIR_LIMBS;

export { BATCH, GROUPS, MAX_PAIR_LIMBS, pairLimbs };

/** One group's arrays: N, X, the Montgomery digits M (pairs of 32-bit words per limb), -1/N, exponent masks. */
const N_OFF = 0;
const X_OFF = 8 * MAX_PAIR_LIMBS;
const M_OFF = 2 * 8 * MAX_PAIR_LIMBS;
const NINV_OFF = 3 * 8 * MAX_PAIR_LIMBS;
/** The exponent d of each lane, as N: pairs of 28-bit limbs. */
const E_OFF = 4 * 8 * MAX_PAIR_LIMBS;
/** X and N in reverse limb order (XR[t] = X[k - 1 - t]): a 16-byte load then holds X[h], X[h - 1], the
 * partners of X[j], X[j + 1] in a column, so one load of each side feeds two products. */
const XR_OFF = 5 * 8 * MAX_PAIR_LIMBS;
const NR_OFF = 6 * 8 * MAX_PAIR_LIMBS;
const MAX_BITS = LIMB_BITS * MAX_PAIR_LIMBS;

/** v128 locals of the squaring: one shared constant, two scratch pairs, then three per group. */
const LOCALS_PER_GROUP = 3;
/** The locals and memory of group g (k limbs). */
function group(g: number, k: number) {
  const l = SHARED_LOCALS + LOCALS_PER_GROUP * g;
  const base = GROUP_BYTES * g;
  return {
    T: l, // column accumulator
    S: l + 1, // products of a column that do not wait for T
    W: l + 2, // m_i, the Montgomery digit just computed (or the output limb pair)
    n: (j: number) => base + N_OFF + 8 * j,
    x: (j: number) => base + X_OFF + 8 * j,
    m: (j: number) => base + M_OFF + 8 * j,
    /** The address in XR of X[h], and in NR of N[h]. */
    xr: (h: number) => base + XR_OFF + 8 * (k - 1 - h),
    nr: (h: number) => base + NR_OFF + 8 * (k - 1 - h),
    ninv: base + NINV_OFF,
    e: base + E_OFF,
  };
}

/**
 * X = X^2 / R mod N in every lane, lazily (input < 4N with limbs < 2^29; output < 2N with limbs < 2^28),
 * by product scanning, the groups' columns interleaved. Each output limb U_{i-k} is written over X_{i-k},
 * which no later column reads.
 */
function emitSquare(k: number): SimdBody {
  const f = new SimdBody();
  const groups = Array.from({ length: GROUPS }, (_, g) => group(g, k));
  f.emit(I64_CONST, ...sleb(MASK), ...op.i64x2Splat).set(K_MASK);
  for (const g of groups) {
    f.emit(I64_CONST, 0, ...op.i64x2Splat).set(g.T);
  }
  for (let i = 0; i <= 2 * k - 1; i++) for (const g of groups) emitColumn(f, k, i, g);
  return f;
}

function emitColumn(f: SimdBody, k: number, i: number, g: ReturnType<typeof group>): void {
  const { T, S, W, x, xr } = g;
  const lo = Math.max(0, i - k + 1);
  // S = 2 * sum_{j < h, j + h = i} x_j x_h + x_{i/2}^2 + sum_{j < i} m_j n_{i-j}: none of it waits for T
  f.emit(I64_CONST, 0, ...op.i64x2Splat).set(S);
  if (2 * lo < i) {
    // x_j x_{i-j} + x_{j+1} x_{i-j-1} per pair of loads, then a last single product if one is left
    let j = lo;
    for (; 2 * (j + 1) < i; j += 2) f.mulAdd2(S, x(j), xr(i - j));
    if (2 * j < i) f.mulAdd(S, x(j), x(i - j));
    f.get(S)
      .emit(I32_CONST, 1, ...op.i64x2Shl)
      .set(S);
  }
  if (i % 2 === 0 && i / 2 < k) f.mulAdd(S, x(i / 2), x(i / 2));
  // m_j n_{i-j} for j < min(i, k): m_{i-1} is still in W (reading it back from memory would put a
  // store-to-load wait on the chain); the others come from memory, two per pair of loads
  const top = Math.min(i, k);
  const fromMemory = Math.min(i - 1, top);
  let j = lo;
  for (; j + 1 < fromMemory; j += 2) f.mulAdd2(S, g.m(j), g.nr(i - j));
  if (j < fromMemory) f.mulAdd(S, g.m(j), g.n(i - j));
  if (fromMemory < top)
    f.get(S)
      .get(W)
      .limb(g.n(1))
      .emit(...op.extmulLowU, ...op.i64x2Add)
      .set(S);
  f.get(T)
    .emit(I32_CONST, LIMB_BITS, ...op.i64x2ShrU)
    .get(S)
    .emit(...op.i64x2Add)
    .set(T);
  if (i < k) {
    // m_i = (T mod 2^28) * (-1/N) mod 2^28 per lane makes the column divisible by 2^28
    f.get(T)
      .pack(W)
      .limb(g.ninv)
      .emit(...op.extmulLowU)
      .get(K_MASK)
      .emit(...op.v128And)
      .pack(W)
      .set(W);
    f.storePair(g.m(i), () => f.get(W));
    f.get(T)
      .get(W)
      .limb(g.n(0))
      .emit(...op.extmulLowU, ...op.i64x2Add)
      .set(T);
  } else {
    f.get(T)
      .get(K_MASK)
      .emit(...op.v128And)
      .pack(W)
      .set(W);
    f.storePair(x(i - k), () => f.get(W));
    f.storePair(xr(i - k), () => f.get(W));
  }
}

/**
 * pow2(count): for each of the exponents' low `count` bits, most significant first, X = X^2, then X = 2X in
 * the lanes whose bit is set. Locals: the count (i32 parameter); the limb index q and the bit b in it of
 * the current bit (i32); the lane masks and a limb pair (v128).
 */
function emitLadder(k: number, square: number): SimdBody {
  const f = new SimdBody();
  const COUNT = 0;
  const Q = 1;
  const B = 2;
  const MASKS = 3;
  const V = 4;
  const I32_SUB = 0x6b;
  // position count - 1: q = (count - 1) / 28, b = (count - 1) % 28
  f.emit(LOCAL_GET, COUNT, I32_CONST, 1, I32_SUB, I32_CONST, LIMB_BITS, 0x6e, LOCAL_SET, Q);
  f.emit(LOCAL_GET, COUNT, I32_CONST, 1, I32_SUB, I32_CONST, LIMB_BITS, 0x70, LOCAL_SET, B);
  f.emit(0x02, 0x40, 0x03, 0x40); // block, loop
  f.emit(LOCAL_GET, Q, I32_CONST, 0, 0x48, 0x0d, 1); // q < 0: every bit done, leave the block
  f.emit(0x10, ...uleb(square));
  for (let gi = 0; gi < GROUPS; gi++) {
    const g = group(gi, k);
    // masks = -((d >> b) & 1) per lane, in words 0, 1 and again in 2, 3
    f.emit(LOCAL_GET, Q, I32_CONST, 3, 0x74, ...op.load64Zero, 3, ...uleb(g.e));
    f.emit(LOCAL_GET, B, ...op.i32x4ShrU, I32_CONST, 1, ...op.i32x4Splat, ...op.v128And, ...op.i32x4Neg);
    f.emit(LOCAL_TEE, MASKS, LOCAL_GET, MASKS, ...op.shuffle, ...REPEAT_LOW_HALF).set(MASKS);
    // two limbs (of both lanes) per v128: x + (x & masks); the slot after an odd k's last limb stays 0
    // (XR too: its k limbs start at xr(k - 1))
    for (const at of [g.x(0), g.xr(k - 1)]) {
      for (let j = 0; j < k; j += 2) {
        f.emit(I32_CONST, 0, I32_CONST, 0, ...op.v128Load, 3, ...uleb(at + 8 * j), LOCAL_TEE, V);
        f.get(V)
          .get(MASKS)
          .emit(...op.v128And, ...op.i32x4Add, ...op.v128Store, 3, ...uleb(at + 8 * j));
      }
    }
  }
  // the next bit: b - 1, or bit 27 of limb q - 1
  f.emit(LOCAL_GET, B, I32_CONST, 1, I32_SUB, LOCAL_SET, B);
  f.emit(LOCAL_GET, B, I32_CONST, 0, 0x48, 0x04, 0x40); // if b < 0
  f.emit(I32_CONST, LIMB_BITS - 1, LOCAL_SET, B, LOCAL_GET, Q, I32_CONST, 1, I32_SUB, LOCAL_SET, Q);
  f.emit(0x0b, 0x0c, 0); // end if; continue
  f.emit(0x0b, 0x0b);
  return f;
}

function buildModule(k: number): Uint8Array {
  const V128 = 0x7b;
  const I32 = 0x7f;
  const bodies = [
    emitSquare(k).bytes([[SHARED_LOCALS + LOCALS_PER_GROUP * GROUPS, V128]]),
    emitLadder(k, 0).bytes([
      [2, I32],
      [2, V128],
    ]),
  ];
  return wasmModule([
    [1, [2, 0x60, 0, 0, 0x60, 1, I32, 0]], // types: 0 is () -> (), 1 is (i32) -> ()
    [3, [2, 0, 1]],
    [5, [1, 0x00, 1]], // one memory of one page
    [7, [3, ...name("mem"), 0x02, 0, ...name("sqr"), 0x00, 0, ...name("pow2"), 0x00, 1]],
    [10, concat([[2], ...bodies])],
  ]);
}

// --- the test ------------------------------------------------------------------------------------

interface Kernel {
  readonly words: Int32Array;
  readonly sqr: () => void;
  readonly pow2: (count: number) => void;
}

const kernels = new Map<number, Kernel>();

function kernel(k: number): Kernel {
  let found = kernels.get(k);
  if (!found) {
    const e = instantiate<{ sqr: () => void; pow2: (count: number) => void }>(buildModule(k));
    found = { words: new Int32Array(e.mem.buffer), sqr: e.sqr, pow2: e.pow2 };
    kernels.set(k, found);
  }
  return found;
}

/**
 * Per lane, what the final comparisons need: N, 1 and -1 in Montgomery form (R mod N, N - R mod N), all
 * k limbs of 28 bits, in slots of MAX_PAIR_LIMBS; and s (n - 1 = d 2^s) and the answer (-1: undecided).
 * Kept across calls, so that a call allocates next to nothing.
 */
const laneN = new Int32Array(BATCH * MAX_PAIR_LIMBS);
const laneOne = new Int32Array(BATCH * MAX_PAIR_LIMBS);
const laneMinusOne = new Int32Array(BATCH * MAX_PAIR_LIMBS);
const laneS = new Int32Array(BATCH);
const laneResult = new Int8Array(BATCH);
/** X of one lane, fully reduced (one limb of room for the carry). */
const reduced = new Int32Array(MAX_PAIR_LIMBS + 1);

/** First word of the array at `off` in lane L (group L >> 1, lane L & 1): limb i is at + 2i. */
function laneWord(L: number, off: number): number {
  return (GROUP_BYTES * (L >> 1) + off) / 4 + (L & 1);
}

/**
 * Sets up lane L of the kernel for n (hex digits `hex`, k limbs): N, -1/N, NR, X = XR = 1 in Montgomery
 * form, the exponent d; and the lane's comparison values. Returns d's bit count.
 */
function setUpLane(words: Int32Array, L: number, n: bigint, hex: string, k: number): number {
  const at = L * MAX_PAIR_LIMBS;
  const nw = laneWord(L, N_OFF);
  const nrw = laneWord(L, NR_OFF);
  for (let i = 0; i < k; i++) {
    const limb = hexLimb(hex, i);
    laneN[at + i] = limb;
    words[nw + 2 * i] = limb;
    words[nrw + 2 * (k - 1 - i)] = limb;
  }
  // slots above k stay zero once written (each limb count has its own module and memory); the doubling
  // pass touches the one after an odd k's last limb, in X and XR
  if (k < MAX_PAIR_LIMBS) {
    words[nw + 2 * k] = 0;
    words[nrw + 2 * k] = 0;
  }
  words[laneWord(L, NINV_OFF)] = negInverse(laneN[at] as number);
  const oneHex = ((1n << BigInt(LIMB_BITS * k)) % n).toString(16);
  const xw = laneWord(L, X_OFF);
  const xrw = laneWord(L, XR_OFF);
  let borrow = 0;
  for (let i = 0; i < k; i++) {
    const one = hexLimb(oneHex, i);
    laneOne[at + i] = one;
    words[xw + 2 * i] = one;
    words[xrw + 2 * (k - 1 - i)] = one;
    // -1 = N - (R mod N)
    const v = (laneN[at + i] as number) - one - borrow;
    borrow = v < 0 ? 1 : 0;
    laneMinusOne[at + i] = v + borrow * 2 ** LIMB_BITS;
  }
  if (k < MAX_PAIR_LIMBS) {
    words[xw + 2 * k] = 0;
    words[xrw + 2 * k] = 0;
  }
  // n - 1 = d 2^s (n odd: n - 1 is n with bit 0 cleared); d's limbs, shifted from n's, go to E, with a
  // zero limb above them (its bits keep X = 1)
  let low = 0;
  while (low < k && (laneN[at + low] as number) - (low === 0 ? 1 : 0) === 0) low++;
  const lowLimb = (laneN[at + low] as number) - (low === 0 ? 1 : 0);
  const s = LIMB_BITS * low + 31 - Math.clz32(lowLimb & -lowLimb);
  laneS[L] = s;
  const q = Math.floor(s / LIMB_BITS);
  const b = s % LIMB_BITS;
  const ew = laneWord(L, E_OFF);
  const limbOfNMinus1 = (i: number): number => (i >= k ? 0 : (laneN[at + i] as number) - (i === 0 ? 1 : 0));
  for (let i = 0; i <= k && i < MAX_PAIR_LIMBS; i++) {
    const lo = limbOfNMinus1(i + q) >>> b;
    const hi = b === 0 ? 0 : (limbOfNMinus1(i + q + 1) << (LIMB_BITS - b)) & MASK;
    words[ew + 2 * i] = lo | hi;
  }
  return bitLength(hex) - s;
}

/** X of lane L fully reduced into `reduced`: limbs carried to 28 bits, then N subtracted while X >= N
 * (X < 4N). */
function reduceX(words: Int32Array, L: number, k: number): void {
  const at = L * MAX_PAIR_LIMBS;
  const xw = laneWord(L, X_OFF);
  let carry = 0;
  for (let i = 0; i < k; i++) {
    const v = (words[xw + 2 * i] as number) + carry;
    reduced[i] = v & MASK;
    carry = Math.floor(v / 2 ** LIMB_BITS);
  }
  for (;;) {
    // X >= N?
    let i = k - 1;
    while (i >= 0 && reduced[i] === laneN[at + i]) i--;
    if (i >= 0 && (reduced[i] as number) < (laneN[at + i] as number)) return;
    let borrow = 0;
    for (let j = 0; j < k; j++) {
      const v = (reduced[j] as number) - (laneN[at + j] as number) - borrow;
      borrow = v < 0 ? 1 : 0;
      reduced[j] = v + borrow * 2 ** LIMB_BITS;
    }
  }
}

/** Is the reduced X equal to the k limbs of `table` for lane L? */
function reducedEquals(table: Int32Array, L: number, k: number): boolean {
  const at = L * MAX_PAIR_LIMBS;
  for (let i = 0; i < k; i++) if (reduced[i] !== table[at + i]) return false;
  return true;
}

/**
 * Strong probable-prime tests to base 2 of 1 to 4 odd numbers > 3 below 2^(28 * 16 - 4) (else a
 * RangeError), run together, one per lane: their answers in order; false means composite, true prime or
 * a base-2 strong pseudoprime.
 */
export function strongProbablePrime2Batch(ns: readonly bigint[]): boolean[] {
  const count = ns.length;
  if (count < 1 || count > BATCH) throw new RangeError(`strongProbablePrime2Batch: ${count} numbers`);
  const hexes: string[] = [];
  let bits = 0;
  for (const n of ns) {
    if ((n & 1n) === 0n || n <= 3n) throw new RangeError(`strongProbablePrime2Batch: bad n ${n}`);
    const hex = n.toString(16);
    bits = Math.max(bits, bitLength(hex));
    hexes.push(hex);
  }
  const k = pairLimbs(bits);
  if (k > MAX_PAIR_LIMBS) throw new RangeError(`strongProbablePrime2Batch: over ${MAX_BITS - 4} bits`);
  const { words, sqr, pow2 } = kernel(k);
  // idle lanes repeat the first number (their answers are not read)
  let steps = 0;
  for (let L = 0; L < BATCH; L++) {
    const i = L < count ? L : 0;
    steps = Math.max(steps, setUpLane(words, L, ns[i] as bigint, hexes[i] as string, k));
    laneResult[L] = -1;
  }
  pow2(steps);
  // x = 2^d: n passes if x = 1 or x = -1, or x^(2^r) = -1 for some 0 < r < s (x^(2^r) = 1 first: fails)
  let maxS = 0;
  for (let L = 0; L < count; L++) maxS = Math.max(maxS, laneS[L] as number);
  for (let r = 0; r < maxS; r++) {
    if (r > 0) sqr();
    for (let L = 0; L < count; L++) {
      if (laneResult[L] !== -1) continue;
      if (r >= (laneS[L] as number)) {
        laneResult[L] = 0;
        continue;
      }
      reduceX(words, L, k);
      if (reducedEquals(laneMinusOne, L, k) || (r === 0 && reducedEquals(laneOne, L, k))) laneResult[L] = 1;
      else if (reducedEquals(laneOne, L, k)) laneResult[L] = 0;
    }
  }
  const out: boolean[] = [];
  for (let L = 0; L < count; L++) out.push(laneResult[L] === 1);
  return out;
}
