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
 *
 * Invariant: for each lane, the answer is that of isStrongProbablePrime(n, 2n) in primality.ts; lanes never
 * mix (a lane's limbs only ever multiply limbs of the same lane).
 */
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

/** X = X^2 / R mod N in every lane (lazily, see emitMontMul), in X and XR. */
function emitSquare(k: number): SimdBody {
  const arrays = { n: N_OFF, nr: NR_OFF, m: M_OFF, ninv: NINV_OFF };
  return emitMontMul(k, arrays, { a: X_OFF, b: X_OFF, rev: XR_OFF, dst: X_OFF, dstRev: XR_OFF });
}

/**
 * pow2(count): for each of the exponents' low `count` bits, most significant first, X = X^2 (function
 * `square`), then X = 2X in the lanes whose bit is set. Locals after the ladder's: the lane masks and a
 * limb pair (v128).
 */
function emitLadder(k: number, square: number): SimdBody {
  const f = new SimdBody();
  const MASKS = LADDER_LOCALS;
  const PAIR = LADDER_LOCALS + 1;
  emitBitLoop(f, () => {
    f.emit(OP.call, ...uleb(square));
    for (let g = 0; g < GROUPS; g++) {
      const base = GROUP_BYTES * g;
      emitLaneMasks(f, base + E_OFF, MASKS);
      // two limbs (of both lanes) per v128: x + (x & masks); the slot after an odd k's last limb stays 0
      // (XR too: its k limbs start at its slot 0)
      for (const at of [base + X_OFF, base + XR_OFF]) {
        for (let j = 0; j < k; j += 2) {
          f.emit(OP.i32Const, 0, OP.i32Const, 0, ...V.load, 3, ...uleb(at + 8 * j), OP.localTee, PAIR);
          f.get(PAIR)
            .get(MASKS)
            .emit(...V.and, ...V.i32x4Add, ...V.store, 3, ...uleb(at + 8 * j));
        }
      }
    }
  });
  return f;
}

function buildModule(k: number): Uint8Array {
  const bodies = [
    emitSquare(k).bytes([[MUL_LOCALS, TYPE.v128]]),
    emitLadder(k, 0).bytes([
      [2, TYPE.i32],
      [2, TYPE.v128],
    ]),
  ];
  return wasmModule([
    [1, [2, 0x60, 0, 0, 0x60, 1, TYPE.i32, 0]], // types: 0 is () -> (), 1 is (i32) -> ()
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
    laneMinusOne[at + i] = v + borrow * RADIX;
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
      reduceLane(words, L, X_OFF, laneN, L * MAX_PAIR_LIMBS, k, reduced);
      if (reducedEquals(laneMinusOne, L, k) || (r === 0 && reducedEquals(laneOne, L, k))) laneResult[L] = 1;
      else if (reducedEquals(laneOne, L, k)) laneResult[L] = 0;
    }
  }
  const out: boolean[] = [];
  for (let L = 0; L < count; L++) out.push(laneResult[L] === 1);
  return out;
}
