/**
 * The strong Lucas test with Selfridge's parameters on four numbers at once, in the SIMD layout of
 * simd-pairs.ts (the base-2 round's kernel is base2-pair-kernel.ts): the next-prime search runs it on the
 * survivors that passed the base-2 round, nearly all of them primes, four at a time.
 *
 * As prime-montgomery.ts's scalar kernel, it runs on the sequence V' of P' = P^2/Q - 2, Q' = 1 (see
 * lucasParameter): a ladder on (V'_j, V'_{j+1}) over the bits of m, where n + 1 = d 2^s and d = 2m + 1.
 * Every lane starts at j = 0, (V'_0, V'_1) = (2, P'), and walks the same number of bits: a lane's leading
 * zero bits keep it at j = 0. Each bit b of a lane makes T = V'_j V'_{j+1} - P' (= V'_{2j+1}) and
 * S = A^2 - 2 with A = V'_{j+b}, then (V'_j, V'_{j+1}) = b ? (T, S) : (S, T), chosen per lane with masks.
 *
 * Reduction is lazy as in the base-2 kernel: with R = 2^(28k) > 16N, products of values < 3N are < 2N;
 * subtracting P' or 2 is adding N - P' or N - 2 (in Montgomery form, both <= N), which keeps every value
 * below 3N and every limb below 2^29. Only the final comparisons reduce fully, in JS.
 */
import { lucasParameter } from "./prime-montgomery.js";
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
  SIMD,
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

/** A group's arrays, each 8 * MAX_PAIR_LIMBS bytes (limb j of both lanes at + 8j). */
const SLOT = 8 * MAX_PAIR_LIMBS;
const N_OFF = 0;
const NR_OFF = SLOT; // N in reverse limb order (see base2-pair-kernel.ts)
const M_OFF = 2 * SLOT; // the Montgomery digits of a product
const NINV_OFF = 3 * SLOT;
const E_OFF = 4 * SLOT; // m, whose bits the ladder walks
const V_OFF = 5 * SLOT; // V'_j
const U_OFF = 6 * SLOT; // V'_{j+1}
const A_OFF = 7 * SLOT; // the value squared at this bit
const T_OFF = 8 * SLOT;
const S_OFF = 9 * SLOT;
const NEGP_OFF = 10 * SLOT; // N - P'
const NEG2_OFF = 11 * SLOT; // N - 2
const W_OFF = 12 * SLOT; // V'_{d 2^r}, after the ladder
const ZERO_OFF = 17 * SLOT; // stays zero
// U and A also in reverse limb order (two slots each), after 8 bytes of padding: limb h of U is at UR_OFF + 8 + 8 (k - 1 - h),
// so a 16-byte load there holds U[h], U[h - 1], the partners of V[j], V[j + 1] in a column (one load of
// each side feeds two products, as in base2-pair-kernel.ts); the padding takes the zero slot above an
// odd k's last limb when a vector of two limbs is written reversed.
const UR_OFF = 13 * SLOT;
const AR_OFF = 15 * SLOT;

const LOCALS_PER_GROUP = 3;
/** The bytes of i8x16.shuffle that swap the two 64-bit halves: limbs j, j + 1 become j + 1, j. */
const SWAP_HALVES = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
const v128 = {
  bitselect: [SIMD, 0x52],
  i32x4Add: [SIMD, ...uleb(0xae)],
};

/** Addresses and locals of group g. */
function group(g: number, k: number) {
  const l = SHARED_LOCALS + LOCALS_PER_GROUP * g;
  const base = GROUP_BYTES * g;
  return {
    T: l, // column accumulator
    S: l + 1, // the column's products that do not wait for T
    W: l + 2, // m_i just computed, or the output limb pair
    at: (off: number, j: number) => base + off + 8 * j,
    nr: (h: number) => base + NR_OFF + 8 * (k - 1 - h),
    /** The address of limb h in a reversed copy (UR_OFF, AR_OFF). */
    rev: (off: number, h: number) => base + off + 8 + 8 * (k - 1 - h),
  };
}

/**
 * dst = a * b / R mod N in every lane (lazily: inputs < 3N with limbs < 2^29, output < 2N with limbs
 * < 2^28), by product scanning, the groups' columns interleaved; a === b is a squaring (each cross
 * product once, doubled). `rev`: the reversed copy of b (of a, for a squaring), if there is one: then
 * products go two per pair of loads. dst's limbs are written after the last read of a's and b's.
 */
function emitMul(k: number, dst: number, a: number, b: number, rev?: number): SimdBody {
  const f = new SimdBody();
  const groups = Array.from({ length: GROUPS }, (_, g) => group(g, k));
  f.emit(I64_CONST, ...sleb(MASK), ...op.i64x2Splat).set(K_MASK);
  for (const g of groups) f.emit(I64_CONST, 0, ...op.i64x2Splat).set(g.T);
  for (let i = 0; i <= 2 * k - 1; i++) {
    for (const g of groups) {
      const { T, S, W, at } = g;
      const lo = Math.max(0, i - k + 1);
      const hi = Math.min(i, k - 1);
      f.emit(I64_CONST, 0, ...op.i64x2Splat).set(S);
      if (a === b) {
        if (2 * lo < i) {
          let j = lo;
          if (rev !== undefined) for (; 2 * (j + 1) < i; j += 2) f.mulAdd2(S, at(a, j), g.rev(rev, i - j));
          for (; 2 * j < i; j++) f.mulAdd(S, at(a, j), at(a, i - j));
          f.get(S)
            .emit(I32_CONST, 1, ...op.i64x2Shl)
            .set(S);
        }
        if (i % 2 === 0 && i / 2 < k) f.mulAdd(S, at(a, i / 2), at(a, i / 2));
      } else {
        let j = lo;
        if (rev !== undefined) for (; j + 1 <= hi; j += 2) f.mulAdd2(S, at(a, j), g.rev(rev, i - j));
        for (; j <= hi; j++) f.mulAdd(S, at(a, j), at(b, i - j));
      }
      // m_j n_{i-j} for j < min(i, k): m_{i-1} is still in W; the others from memory, two per load pair
      const top = Math.min(i, k);
      const fromMemory = Math.min(i - 1, top);
      let j = lo;
      for (; j + 1 < fromMemory; j += 2) f.mulAdd2(S, at(M_OFF, j), g.nr(i - j));
      if (j < fromMemory) f.mulAdd(S, at(M_OFF, j), at(N_OFF, i - j));
      if (fromMemory < top)
        f.get(S)
          .get(W)
          .limb(at(N_OFF, 1))
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
          .limb(at(NINV_OFF, 0))
          .emit(...op.extmulLowU)
          .get(K_MASK)
          .emit(...op.v128And)
          .pack(W)
          .set(W);
        f.storePair(at(M_OFF, i), () => f.get(W));
        f.get(T)
          .get(W)
          .limb(at(N_OFF, 0))
          .emit(...op.extmulLowU, ...op.i64x2Add)
          .set(T);
      } else {
        f.get(T)
          .get(K_MASK)
          .emit(...op.v128And)
          .pack(W)
          .set(W);
        f.storePair(at(dst, i - k), () => f.get(W));
      }
    }
  }
  return f;
}

/** Pushes the 16 bytes at a constant address: limbs j, j + 1 of both lanes. */
function load(f: SimdBody, addr: number): void {
  f.emit(I32_CONST, 0, ...op.v128Load, 4, ...uleb(addr));
}

/** Stores the v128 in `local` (limbs j, j + 1) with its halves swapped (limbs j + 1, j) at `addr`. */
function storeReversed(f: SimdBody, local: number, addr: number): void {
  f.emit(I32_CONST, 0).get(local).get(local);
  f.emit(...op.shuffle, ...SWAP_HALVES, ...op.v128Store, 3, ...uleb(addr));
}

/**
 * dst = src + add, limb by limb (no carries), over k limbs of every group; with `rev`, also into that
 * reversed copy. Local 0 is a v128 scratch.
 */
function emitCopy(f: SimdBody, k: number, dst: number, src: number, add: number, rev?: number): void {
  for (let g = 0; g < GROUPS; g++) {
    const base = GROUP_BYTES * g;
    for (let j = 0; j < k; j += 2) {
      f.emit(I32_CONST, 0);
      load(f, base + src + 8 * j);
      load(f, base + add + 8 * j);
      f.emit(...v128.i32x4Add, 0x22, 0, ...op.v128Store, 4, ...uleb(base + dst + 8 * j));
      if (rev !== undefined) storeReversed(f, 0, base + rev + 8 + 8 * (k - 2 - j));
    }
  }
}

/**
 * ladder(count): for each of m's low `count` bits, most significant first, the step described at the top.
 * Functions 0 (T = V U) and 1 (S = A^2) do the products. Locals: the count (i32 parameter); the limb index
 * q and the bit b in it of the current bit (i32); then per group its lane masks, and two scratch vectors.
 */
function emitLadder(k: number, mulVU: number, sqrA: number): SimdBody {
  const f = new SimdBody();
  const COUNT = 0;
  const Q = 1;
  const B = 2;
  const MASKS = (g: number) => 3 + g;
  const TV = 3 + GROUPS;
  const SV = 4 + GROUPS;
  const I32_SUB = 0x6b;
  f.emit(LOCAL_GET, COUNT, I32_CONST, 1, I32_SUB, I32_CONST, LIMB_BITS, 0x6e, LOCAL_SET, Q);
  f.emit(LOCAL_GET, COUNT, I32_CONST, 1, I32_SUB, I32_CONST, LIMB_BITS, 0x70, LOCAL_SET, B);
  f.emit(0x02, 0x40, 0x03, 0x40); // block, loop
  f.emit(LOCAL_GET, Q, I32_CONST, 0, 0x48, 0x0d, 1); // q < 0: every bit done, leave the block
  for (let g = 0; g < GROUPS; g++) {
    const base = GROUP_BYTES * g;
    // masks = -((m >> b) & 1) per lane, in words 0, 1 and again in 2, 3
    f.emit(LOCAL_GET, Q, I32_CONST, 3, 0x74, ...op.load64Zero, 3, ...uleb(base + E_OFF));
    f.emit(LOCAL_GET, B, ...op.i32x4ShrU, I32_CONST, 1, ...op.i32x4Splat, ...op.v128And, ...op.i32x4Neg);
    f.emit(0x22, MASKS(g), LOCAL_GET, MASKS(g), ...op.shuffle, ...REPEAT_LOW_HALF).set(MASKS(g));
    // A = b ? U : V, and AR
    for (let j = 0; j < k; j += 2) {
      f.emit(I32_CONST, 0);
      load(f, base + U_OFF + 8 * j);
      load(f, base + V_OFF + 8 * j);
      f.get(MASKS(g)).emit(...v128.bitselect, 0x22, TV, ...op.v128Store, 4, ...uleb(base + A_OFF + 8 * j));
      storeReversed(f, TV, base + AR_OFF + 8 + 8 * (k - 2 - j));
    }
  }
  f.emit(0x10, ...uleb(mulVU), 0x10, ...uleb(sqrA));
  for (let g = 0; g < GROUPS; g++) {
    const base = GROUP_BYTES * g;
    for (let j = 0; j < k; j += 2) {
      // TV = T + (N - P'), SV = S + (N - 2); V = b ? TV : SV, U = b ? SV : TV
      load(f, base + T_OFF + 8 * j);
      load(f, base + NEGP_OFF + 8 * j);
      f.emit(...v128.i32x4Add).set(TV);
      load(f, base + S_OFF + 8 * j);
      load(f, base + NEG2_OFF + 8 * j);
      f.emit(...v128.i32x4Add).set(SV);
      f.emit(I32_CONST, 0).get(TV).get(SV).get(MASKS(g));
      f.emit(...v128.bitselect, ...op.v128Store, 4, ...uleb(base + V_OFF + 8 * j));
      f.emit(I32_CONST, 0).get(SV).get(TV).get(MASKS(g));
      f.emit(...v128.bitselect, 0x22, TV, ...op.v128Store, 4, ...uleb(base + U_OFF + 8 * j));
      storeReversed(f, TV, base + UR_OFF + 8 + 8 * (k - 2 - j));
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
  const mulLocals = [[SHARED_LOCALS + LOCALS_PER_GROUP * GROUPS, V128]] as const;
  // 0: T = V U; 1: S = A^2; 2: the ladder; 3: W = V U + (N - P') = V'_d; 4: W = W^2 + (N - 2)
  const vd = new SimdBody().emit(0x10, 0);
  emitCopy(vd, k, W_OFF, T_OFF, NEGP_OFF);
  const next = new SimdBody();
  emitCopy(next, k, A_OFF, W_OFF, ZERO_OFF, AR_OFF);
  next.emit(0x10, 1);
  emitCopy(next, k, W_OFF, S_OFF, NEG2_OFF);
  const bodies = [
    emitMul(k, T_OFF, V_OFF, U_OFF, UR_OFF).bytes(mulLocals),
    emitMul(k, S_OFF, A_OFF, A_OFF, AR_OFF).bytes(mulLocals),
    emitLadder(k, 0, 1).bytes([
      [2, I32],
      [GROUPS + 2, V128],
    ]),
    vd.bytes([[1, V128]]),
    next.bytes([[1, V128]]),
  ];
  const exports = [
    ...[3 + 1, ...name("mem"), 0x02, 0],
    ...[...name("ladder"), 0x00, 2, ...name("vd"), 0x00, 3, ...name("next"), 0x00, 4],
  ];
  return wasmModule([
    [1, [2, 0x60, 0, 0, 0x60, 1, I32, 0]], // types: 0 is () -> (), 1 is (i32) -> ()
    [3, [5, 0, 0, 1, 0, 0]],
    [5, [1, 0x00, 1]], // one memory of one page
    [7, exports],
    [10, concat([[5], ...bodies])],
  ]);
}

// --- the test ------------------------------------------------------------------------------------

interface Kernel {
  readonly words: Int32Array;
  readonly ladder: (count: number) => void;
  /** W = V'_d (= V'_m V'_{m+1} - P'). */
  readonly vd: () => void;
  /** W = W^2 - 2. */
  readonly next: () => void;
}

const kernels = new Map<number, Kernel>();

function kernel(k: number): Kernel {
  let found = kernels.get(k);
  if (!found) {
    const e = instantiate<Omit<Kernel, "words">>(buildModule(k));
    found = { words: new Int32Array(e.mem.buffer), ladder: e.ladder, vd: e.vd, next: e.next };
    kernels.set(k, found);
  }
  return found;
}

/** First word of the array at `off` in lane L (group L >> 1, lane L & 1): limb i is at + 2i. */
function laneWord(L: number, off: number): number {
  return (GROUP_BYTES * (L >> 1) + off) / 4 + (L & 1);
}

/** Writes k + 1 limbs (the last one zero) of the number with hex digits `hex`, from word w on. */
function writeLimbs(words: Int32Array, w: number, hex: string, k: number): void {
  for (let i = 0; i < k; i++) words[w + 2 * i] = hexLimb(hex, i);
  if (k < MAX_PAIR_LIMBS) words[w + 2 * k] = 0;
}

/** Lane L's value at `off` (< 4N, limbs < 2^30), fully reduced, as k limbs. */
function reduced(words: Int32Array, L: number, off: number, n: readonly number[], k: number): number[] {
  const w = laneWord(L, off);
  const x: number[] = [];
  let carry = 0;
  for (let i = 0; i < k; i++) {
    const v = (words[w + 2 * i] as number) + carry;
    x.push(v & MASK);
    carry = Math.floor(v / 2 ** LIMB_BITS);
  }
  for (;;) {
    let i = k - 1;
    while (i >= 0 && x[i] === n[i]) i--;
    if (i >= 0 && (x[i] as number) < (n[i] as number)) return x;
    let borrow = 0;
    for (let j = 0; j < k; j++) {
      const v = (x[j] as number) - (n[j] as number) - borrow;
      borrow = v < 0 ? 1 : 0;
      x[j] = v + borrow * 2 ** LIMB_BITS;
    }
  }
}

const isZero = (x: readonly number[]): boolean => x.every((v) => v === 0);

/** (x + y) mod n = 0, for x, y < n. */
function sumIsZeroMod(x: readonly number[], y: readonly number[], n: readonly number[]): boolean {
  if (isZero(x) && isZero(y)) return true;
  let carry = 0;
  for (let i = 0; i < n.length; i++) {
    const v = (x[i] as number) + (y[i] as number) + carry;
    if ((v & MASK) !== n[i]) return false;
    carry = v >= 2 ** LIMB_BITS ? 1 : 0;
  }
  return carry === 0;
}

/** One lane's number: its limbs and s (n + 1 = d 2^s). */
interface Lane {
  readonly index: number;
  readonly n: number[];
  readonly s: number;
}

/**
 * Strong Lucas probable-prime tests with Selfridge's parameters of 1 to 4 odd numbers > 3 below
 * 2^(28 * 16 - 4) (else a RangeError), run together: their answers in order, the same as primality.ts's
 * isStrongLucasProbablePrime (and prime-montgomery.ts's isStrongLucasProbablePrimeMont) on each.
 */
export function strongLucasBatch(ns: readonly bigint[]): boolean[] {
  if (ns.length < 1 || ns.length > BATCH) throw new RangeError(`strongLucasBatch: ${ns.length} numbers`);
  const out: boolean[] = new Array(ns.length);
  const hexes = ns.map((n) => {
    if ((n & 1n) === 0n || n <= 3n) throw new RangeError(`strongLucasBatch: bad n ${n}`);
    return n.toString(16);
  });
  const k = pairLimbs(Math.max(...hexes.map(bitLength)));
  if (k > MAX_PAIR_LIMBS)
    throw new RangeError(`strongLucasBatch: over ${LIMB_BITS * MAX_PAIR_LIMBS - 4} bits`);
  const { words, ladder, vd, next } = kernel(k);
  const lanes: Lane[] = [];
  let count = 0;
  ns.forEach((n, index) => {
    const pPrime = lucasParameter(n);
    if (typeof pPrime === "boolean") {
      out[index] = pPrime;
      return;
    }
    const L = lanes.length;
    const hex = hexes[index] as string;
    const limbs: number[] = [];
    for (let i = 0; i < k; i++) limbs.push(hexLimb(hex, i));
    writeLimbs(words, laneWord(L, N_OFF), hex, k);
    const nr = laneWord(L, NR_OFF);
    for (let i = 0; i < k; i++) words[nr + 2 * (k - 1 - i)] = limbs[i] as number;
    if (k < MAX_PAIR_LIMBS) words[nr + 2 * k] = 0;
    words[laneWord(L, NINV_OFF)] = negInverse(limbs[0] as number);
    const rModN = (1n << BigInt(LIMB_BITS * k)) % n;
    const pMont = (pPrime * rModN) % n;
    const twoMont = (2n * rModN) % n;
    writeLimbs(words, laneWord(L, V_OFF), twoMont.toString(16), k); // V'_0 = 2
    writeLimbs(words, laneWord(L, U_OFF), pMont.toString(16), k); // V'_1 = P'
    const u = laneWord(L, U_OFF);
    const ur = laneWord(L, UR_OFF + 8);
    for (let i = 0; i < k; i++) words[ur + 2 * (k - 1 - i)] = words[u + 2 * i] as number;
    writeLimbs(words, laneWord(L, NEGP_OFF), (n - pMont).toString(16), k);
    writeLimbs(words, laneWord(L, NEG2_OFF), (n - twoMont).toString(16), k);
    // n + 1 = d 2^s, d = 2m + 1
    const np1 = n + 1n;
    const s = bitLength((np1 & -np1).toString(16)) - 1;
    const m = np1 >> BigInt(s + 1);
    const mHex = m.toString(16);
    writeLimbs(words, laneWord(L, E_OFF), mHex, k);
    count = Math.max(count, m === 0n ? 0 : bitLength(mHex));
    lanes.push({ index, n: limbs, s });
  });
  if (lanes.length === 0) return out;
  // idle lanes repeat the first lane's number (their answers are not read)
  for (let L = lanes.length; L < BATCH; L++) {
    for (const off of [N_OFF, NR_OFF, NINV_OFF, V_OFF, U_OFF, UR_OFF + 8, NEGP_OFF, NEG2_OFF, E_OFF]) {
      const from = laneWord(0, off);
      const to = laneWord(L, off);
      for (let i = 0; i <= k && i < MAX_PAIR_LIMBS; i++) words[to + 2 * i] = words[from + 2 * i] as number;
    }
  }
  // (count - 1 is split into limb and bit with unsigned division: no call when no lane has a bit)
  if (count > 0) ladder(count);
  // U_d = 0 iff V'_{m+1} = V'_m; V_d = 0 iff V'_{m+1} + V'_m = 0; then V_{d 2^r} = 0 iff V'_{d 2^(r-1)} = 0
  const open: Lane[] = [];
  lanes.forEach((lane, L) => {
    const v = reduced(words, L, V_OFF, lane.n, k);
    const u = reduced(words, L, U_OFF, lane.n, k);
    if (u.every((x, i) => x === v[i]) || sumIsZeroMod(u, v, lane.n)) out[lane.index] = true;
    else if (lane.s < 2) out[lane.index] = false;
    else open.push(lane);
  });
  for (let r = 1; open.length > 0; r++) {
    if (r === 1) vd();
    else next();
    for (let i = open.length - 1; i >= 0; i--) {
      const lane = open[i] as Lane;
      const L = lanes.indexOf(lane);
      if (isZero(reduced(words, L, W_OFF, lane.n, k))) out[lane.index] = true;
      else if (r + 1 >= lane.s) out[lane.index] = false;
      else continue;
      open.splice(i, 1);
    }
  }
  return out;
}
