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
 *
 * Invariant: for each lane, the answer is that of isStrongLucasProbablePrime(n) in primality.ts.
 */
import { lucasParameter } from "./selfridge.js";
import {
  BATCH,
  bitLength,
  emitBitLoop,
  emitLaneMasks,
  emitMontMul,
  GROUP_BYTES,
  GROUPS,
  hexLimb,
  LADDER_LOCALS,
  LIMB_BITS,
  laneWord,
  MASK,
  MAX_PAIR_LIMBS,
  MUL_LOCALS,
  negInverse,
  pairLimbs,
  RADIX,
  reduceLane,
  SimdBody,
} from "./simd-pairs.js";
import { concat, instantiate, name, OP, TYPE, uleb, V, wasmModule } from "./wasm-encoder.js";

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
// U and A also in reverse limb order (two slots each, limb h at UR_OFF + 8 (k - 1 - h)), for two products
// per pair of loads (emitMontMul); the 8 bytes before each take the zero slot above an odd k's last limb
// when a vector of two limbs is written reversed.
const UR_OFF = 13 * SLOT + 8;
const AR_OFF = 15 * SLOT + 8;
const ZERO_OFF = 17 * SLOT; // stays zero

/** The bytes of i8x16.shuffle that swap the two 64-bit halves: limbs j, j + 1 become j + 1, j. */
const SWAP_HALVES = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
const MONT = { n: N_OFF, nr: NR_OFF, m: M_OFF, ninv: NINV_OFF };

/** Pushes the 16 bytes at a constant address: limbs j, j + 1 of both lanes. */
function load(f: SimdBody, addr: number): void {
  f.emit(OP.i32Const, 0, ...V.load, 4, ...uleb(addr));
}

/** Stores the v128 in `local` (limbs j, j + 1) with its halves swapped (limbs j + 1, j) at `addr`. */
function storeReversed(f: SimdBody, local: number, addr: number): void {
  f.emit(OP.i32Const, 0).get(local).get(local);
  f.emit(...V.shuffle, ...SWAP_HALVES, ...V.store, 3, ...uleb(addr));
}

/**
 * dst = src + add, limb by limb (no carries), over k limbs of every group; with `rev`, also into that
 * reversed copy. Local 0 is a v128 scratch.
 */
function emitCopy(f: SimdBody, k: number, dst: number, src: number, add: number, rev?: number): void {
  for (let g = 0; g < GROUPS; g++) {
    const base = GROUP_BYTES * g;
    for (let j = 0; j < k; j += 2) {
      f.emit(OP.i32Const, 0);
      load(f, base + src + 8 * j);
      load(f, base + add + 8 * j);
      f.emit(...V.i32x4Add, OP.localTee, 0, ...V.store, 4, ...uleb(base + dst + 8 * j));
      if (rev !== undefined) storeReversed(f, 0, base + rev + 8 * (k - 2 - j));
    }
  }
}

/**
 * ladder(count): for each of m's low `count` bits, most significant first, the step described at the top.
 * Functions 0 (T = V U) and 1 (S = A^2) do the products. Locals after the ladder's: per group its lane
 * masks, then two scratch vectors.
 */
function emitLadder(k: number, mulVU: number, sqrA: number): SimdBody {
  const f = new SimdBody();
  const MASKS = (g: number) => LADDER_LOCALS + g;
  const TV = LADDER_LOCALS + GROUPS;
  const SV = TV + 1;
  emitBitLoop(f, () => {
    for (let g = 0; g < GROUPS; g++) {
      const base = GROUP_BYTES * g;
      emitLaneMasks(f, base + E_OFF, MASKS(g));
      // A = b ? U : V, and AR
      for (let j = 0; j < k; j += 2) {
        f.emit(OP.i32Const, 0);
        load(f, base + U_OFF + 8 * j);
        load(f, base + V_OFF + 8 * j);
        f.get(MASKS(g)).emit(...V.bitselect, OP.localTee, TV, ...V.store, 4, ...uleb(base + A_OFF + 8 * j));
        storeReversed(f, TV, base + AR_OFF + 8 * (k - 2 - j));
      }
    }
    f.emit(OP.call, ...uleb(mulVU), OP.call, ...uleb(sqrA));
    for (let g = 0; g < GROUPS; g++) {
      const base = GROUP_BYTES * g;
      for (let j = 0; j < k; j += 2) {
        // TV = T + (N - P'), SV = S + (N - 2); V = b ? TV : SV, U = b ? SV : TV
        load(f, base + T_OFF + 8 * j);
        load(f, base + NEGP_OFF + 8 * j);
        f.emit(...V.i32x4Add).set(TV);
        load(f, base + S_OFF + 8 * j);
        load(f, base + NEG2_OFF + 8 * j);
        f.emit(...V.i32x4Add).set(SV);
        f.emit(OP.i32Const, 0).get(TV).get(SV).get(MASKS(g));
        f.emit(...V.bitselect, ...V.store, 4, ...uleb(base + V_OFF + 8 * j));
        f.emit(OP.i32Const, 0).get(SV).get(TV).get(MASKS(g));
        f.emit(...V.bitselect, OP.localTee, TV, ...V.store, 4, ...uleb(base + U_OFF + 8 * j));
        storeReversed(f, TV, base + UR_OFF + 8 * (k - 2 - j));
      }
    }
  });
  return f;
}

function buildModule(k: number): Uint8Array {
  const mulLocals = [[MUL_LOCALS, TYPE.v128]] as const;
  // 0: T = V U; 1: S = A^2; 2: the ladder; 3: W = V U + (N - P') = V'_d; 4: W = W^2 + (N - 2)
  const vd = new SimdBody().emit(OP.call, 0);
  emitCopy(vd, k, W_OFF, T_OFF, NEGP_OFF);
  const next = new SimdBody();
  emitCopy(next, k, A_OFF, W_OFF, ZERO_OFF, AR_OFF);
  next.emit(OP.call, 1);
  emitCopy(next, k, W_OFF, S_OFF, NEG2_OFF);
  const bodies = [
    emitMontMul(k, MONT, { a: V_OFF, b: U_OFF, rev: UR_OFF, dst: T_OFF }).bytes(mulLocals),
    emitMontMul(k, MONT, { a: A_OFF, b: A_OFF, rev: AR_OFF, dst: S_OFF }).bytes(mulLocals),
    emitLadder(k, 0, 1).bytes([
      [2, TYPE.i32],
      [GROUPS + 2, TYPE.v128],
    ]),
    vd.bytes([[1, TYPE.v128]]),
    next.bytes([[1, TYPE.v128]]),
  ];
  const exports = [
    ...[3 + 1, ...name("mem"), 0x02, 0],
    ...[...name("ladder"), 0x00, 2, ...name("vd"), 0x00, 3, ...name("next"), 0x00, 4],
  ];
  return wasmModule([
    [1, [2, 0x60, 0, 0, 0x60, 1, TYPE.i32, 0]], // types: 0 is () -> (), 1 is (i32) -> ()
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

/** Writes the k limbs of the number with hex digits `hex` from word w on, then a zero limb (if there is a
 * slot for it). */
function writeLimbs(words: Int32Array, w: number, hex: string, k: number): void {
  for (let i = 0; i < k; i++) words[w + 2 * i] = hexLimb(hex, i);
  if (k < MAX_PAIR_LIMBS) words[w + 2 * k] = 0;
}

/** Fully reduced values of one lane (reduceLane), for the final comparisons. */
const vReduced = new Int32Array(MAX_PAIR_LIMBS);
const uReduced = new Int32Array(MAX_PAIR_LIMBS);

function isZero(x: Int32Array, k: number): boolean {
  for (let i = 0; i < k; i++) if (x[i] !== 0) return false;
  return true;
}

function equal(x: Int32Array, y: Int32Array, k: number): boolean {
  for (let i = 0; i < k; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** (x + y) mod n = 0, for x, y < n (k limbs). */
function sumIsZeroMod(x: Int32Array, y: Int32Array, n: readonly number[], k: number): boolean {
  if (isZero(x, k) && isZero(y, k)) return true;
  let carry = 0;
  for (let i = 0; i < k; i++) {
    const v = (x[i] as number) + (y[i] as number) + carry;
    if ((v & MASK) !== n[i]) return false;
    carry = v >= RADIX ? 1 : 0;
  }
  return carry === 0;
}

/** One lane's number: its place in the input, its lane, its limbs and s (n + 1 = d 2^s). */
interface Lane {
  readonly index: number;
  readonly L: number;
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
    const nw = laneWord(L, N_OFF);
    const nr = laneWord(L, NR_OFF);
    limbs.forEach((limb, i) => {
      words[nw + 2 * i] = limb;
      words[nr + 2 * (k - 1 - i)] = limb;
    });
    if (k < MAX_PAIR_LIMBS) {
      words[nw + 2 * k] = 0;
      words[nr + 2 * k] = 0;
    }
    words[laneWord(L, NINV_OFF)] = negInverse(limbs[0] as number);
    const rModN = (1n << BigInt(LIMB_BITS * k)) % n;
    const pMont = (pPrime * rModN) % n;
    const twoMont = (2n * rModN) % n;
    writeLimbs(words, laneWord(L, V_OFF), twoMont.toString(16), k); // V'_0 = 2
    writeLimbs(words, laneWord(L, U_OFF), pMont.toString(16), k); // V'_1 = P'
    const u = laneWord(L, U_OFF);
    const ur = laneWord(L, UR_OFF);
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
    lanes.push({ index, L, n: limbs, s });
  });
  if (lanes.length === 0) return out;
  // idle lanes repeat the first lane's number (their answers are not read)
  for (let L = lanes.length; L < BATCH; L++) {
    for (const off of [N_OFF, NR_OFF, NINV_OFF, V_OFF, U_OFF, UR_OFF, NEGP_OFF, NEG2_OFF, E_OFF]) {
      const from = laneWord(0, off);
      const to = laneWord(L, off);
      for (let i = 0; i <= k && i < MAX_PAIR_LIMBS; i++) words[to + 2 * i] = words[from + 2 * i] as number;
    }
  }
  // (count - 1 is split into limb and bit with unsigned division: no call when no lane has a bit)
  if (count > 0) ladder(count);
  // U_d = 0 iff V'_{m+1} = V'_m; V_d = 0 iff V'_{m+1} + V'_m = 0; then V_{d 2^r} = 0 iff V'_{d 2^(r-1)} = 0
  const open: Lane[] = [];
  for (const lane of lanes) {
    reduceLane(words, lane.L, V_OFF, lane.n, 0, k, vReduced);
    reduceLane(words, lane.L, U_OFF, lane.n, 0, k, uReduced);
    if (equal(uReduced, vReduced, k) || sumIsZeroMod(uReduced, vReduced, lane.n, k)) out[lane.index] = true;
    else if (lane.s < 2) out[lane.index] = false;
    else open.push(lane);
  }
  for (let r = 1; open.length > 0; r++) {
    if (r === 1) vd();
    else next();
    for (let i = open.length - 1; i >= 0; i--) {
      const lane = open[i] as Lane;
      reduceLane(words, lane.L, W_OFF, lane.n, 0, k, vReduced);
      if (isZero(vReduced, k)) out[lane.index] = true;
      else if (r + 1 >= lane.s) out[lane.index] = false;
      else continue;
      open.splice(i, 1);
    }
  }
  return out;
}
