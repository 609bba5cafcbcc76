/**
 * The next-prime sieve in a small WebAssembly module generated here: the residues of a window's start
 * modulo the small odd primes (two primes per 128-bit f64 vector: sum over the start's 24-bit limbs of
 * limb * (2^(24k) mod p), then a division-free remainder), then the marking of the window positions they
 * rule out. About four times cheaper than the same arithmetic in plain JS, so a larger sieve bound pays.
 *
 * Invariant: a window position is marked only if one of the sieving primes divides its candidate (and is
 * not the candidate itself): the sieve never removes a prime, so the next prime is never skipped.
 */
import {
  concat,
  functionBody,
  instantiate,
  name,
  OP,
  sleb,
  TYPE,
  uleb,
  V,
  wasmModule,
} from "./wasm-encoder.js";

const LIMB_BITS = 24;
const LIMB = 2 ** LIMB_BITS;
const MEMORY_FILL = [0xfc, ...uleb(11), 0x00];

/** A sieve over the odd primes given (at least one), for starts of up to `maxLimbs` 24-bit limbs. */
export interface WasmSieve {
  readonly maxLimbs: number;
  /**
   * Marks window positions i (start + 2i, start odd and past every sieving prime) with an odd prime
   * factor among the first `count` primes. `limbs`: the start's 24-bit limbs, least significant first.
   */
  sieve(limbs: readonly number[], count: number, marks: Uint8Array): void;
}

export function createWasmSieve(primes: Int32Array, maxLimbs: number): WasmSieve {
  // the prime count rounded up to even, so that every vector holds two (the padding prime, 1, gets a
  // residue but is never marked with: marking stops at `count`)
  const m = primes.length + (primes.length % 2);
  const layout = {
    pow: 0, // f64 [maxLimbs][m]: 2^(24k) mod p_j
    inv: 8 * m * maxLimbs, // f64 [m]: 1 / p_j
    p: 8 * m * (maxLimbs + 1), // f64 [m]
    pInt: 8 * m * (maxLimbs + 2), // i32 [m]
    limbs: 8 * m * (maxLimbs + 2) + 4 * m, // f64 [maxLimbs]
    residues: 8 * m * (maxLimbs + 2) + 4 * m + 8 * maxLimbs, // f64 [m]
  };
  const marksOff = layout.residues + 8 * m;
  const maxWindow = 1 << 16;
  const pages = Math.ceil((marksOff + maxWindow) / 65536);
  const e = instantiate<{ sieve: (count: number, limbs: number, window: number) => void }>(
    buildModule(m, layout, marksOff, pages),
  );
  const f64 = new Float64Array(e.mem.buffer);
  const i32 = new Int32Array(e.mem.buffer);
  const bytes = new Uint8Array(e.mem.buffer);
  // The tables are filled as far as the sieving asks (primes x limbs): a 100-digit start needs 14 limbs
  // of the ~2500 primes below its bound, a fraction of the whole (~9 ms of start-up per thread).
  let filledPrimes = 0;
  let filledLimbs = 0;
  const fill = (count: number, limbCount: number): void => {
    const top = Math.min(m, count + (count % 2));
    const rows = Math.max(limbCount, filledLimbs);
    for (let j = 0; j < Math.max(top, filledPrimes); j++) {
      if (j < filledPrimes && rows === filledLimbs) continue;
      const p = j < primes.length ? (primes[j] as number) : 1;
      let r = 1 % p;
      for (let k = 0; k < rows; k++) {
        f64[layout.pow / 8 + k * m + j] = r;
        r = (r * LIMB) % p;
      }
      f64[layout.inv / 8 + j] = 1 / p;
      f64[layout.p / 8 + j] = p;
      i32[layout.pInt / 4 + j] = p;
    }
    filledPrimes = Math.max(top, filledPrimes);
    filledLimbs = rows;
  };
  return {
    maxLimbs,
    sieve(limbs, count, marks) {
      if (limbs.length > maxLimbs) throw new RangeError(`sieve: ${limbs.length} limbs over ${maxLimbs}`);
      if (marks.length > maxWindow) throw new RangeError(`sieve: window ${marks.length} over ${maxWindow}`);
      const primeCount = Math.min(count, primes.length);
      if (primeCount > filledPrimes || limbs.length > filledLimbs) fill(primeCount, limbs.length);
      for (let k = 0; k < limbs.length; k++) f64[layout.limbs / 8 + k] = limbs[k] as number;
      e.sieve(primeCount, limbs.length, marks.length);
      marks.set(bytes.subarray(marksOff, marksOff + marks.length));
    },
  };
}

function buildModule(
  m: number,
  at: { pow: number; inv: number; p: number; pInt: number; limbs: number; residues: number },
  marksOff: number,
  pages: number,
): Uint8Array {
  // parameters: count (0), limb count (1), window (2); locals: j (3), k (4), address (5), i (6), pj (7)
  // as i32; the accumulator (8) and a scratch vector (9) as v128
  const [COUNT, LIMBS, WINDOW, J, K, ADDR, I, PJ, ACC, Q] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const c: number[] = [];
  const e = (...b: readonly number[]) => c.push(...b);
  const get = (l: number) => e(OP.localGet, l);
  const set = (l: number) => e(OP.localSet, l);
  const i32 = (n: number) => e(OP.i32Const, ...sleb(n));
  /** while (counter < limit) { body; counter += step } (the caller sets counter first) */
  const loop = (counter: number, limit: number, body: () => void, step: () => void) => {
    e(OP.block, OP.void, OP.loop, OP.void);
    get(counter);
    get(limit);
    e(OP.i32GeU, OP.brIf, 1);
    body();
    get(counter);
    step();
    e(OP.i32Add);
    set(counter);
    e(OP.br, 0, OP.end, OP.end);
  };
  /** The pair of f64 at `base` + 8j (j: local J). */
  const pairAt = (base: number) => {
    get(J);
    i32(3);
    e(OP.i32Shl, ...V.load, 3, ...uleb(base));
  };
  const zero = [...V.const, ...new Array(16).fill(0)];
  // marks = 0
  i32(marksOff);
  i32(0);
  get(WINDOW);
  e(...MEMORY_FILL);
  // residues, two primes at a time
  i32(0);
  set(J);
  loop(
    J,
    COUNT,
    () => {
      e(...zero);
      set(ACC);
      // address of pow[0][j]
      get(J);
      i32(3);
      e(OP.i32Shl);
      set(ADDR);
      i32(0);
      set(K);
      loop(
        K,
        LIMBS,
        () => {
          // acc += limb_k * pow[k][j..j+1]
          get(ACC);
          get(K);
          i32(3);
          e(OP.i32Shl, OP.f64Load, 3, ...uleb(at.limbs), ...V.f64x2Splat);
          get(ADDR);
          e(...V.load, 3, ...uleb(at.pow), ...V.f64x2Mul, ...V.f64x2Add);
          set(ACC);
          get(ADDR);
          i32(8 * m);
          e(OP.i32Add);
          set(ADDR);
        },
        () => i32(1),
      );
      // r = acc - floor(acc / p) p, then one correction either way (the quotient is off by at most one)
      get(ACC);
      get(ACC);
      pairAt(at.inv);
      e(...V.f64x2Mul, ...V.f64x2Floor);
      pairAt(at.p);
      e(...V.f64x2Mul, ...V.f64x2Sub, OP.localTee, Q);
      get(Q);
      e(...zero, ...V.f64x2Lt);
      pairAt(at.p);
      e(...V.and, ...V.f64x2Add, OP.localTee, Q);
      get(Q);
      pairAt(at.p);
      e(...V.f64x2Ge);
      pairAt(at.p);
      e(...V.and, ...V.f64x2Sub);
      set(Q);
      // store the pair of residues
      get(J);
      i32(3);
      e(OP.i32Shl);
      get(Q);
      e(...V.store, 3, ...uleb(at.residues));
    },
    () => i32(2),
  );
  // marking: start + 2i = 0 (mod p) <=> 2i = p - r (mod p): i = (p - r) / 2, or (p - r + p) / 2 when odd
  i32(0);
  set(J);
  loop(
    J,
    COUNT,
    () => {
      get(J);
      i32(2);
      e(OP.i32Shl, OP.i32Load, 2, ...uleb(at.pInt));
      set(PJ);
      // t = r == 0 ? 0 : p - r
      get(PJ);
      get(J);
      i32(3);
      e(OP.i32Shl, OP.f64Load, 3, ...uleb(at.residues), OP.i32TruncF64S, OP.localTee, I);
      e(OP.i32Sub);
      i32(0);
      get(I);
      e(OP.select); // r ? p - r : 0
      set(I);
      // i = t even ? t / 2 : (t + p) / 2
      get(I);
      get(PJ);
      e(OP.i32Add);
      get(I);
      get(I);
      i32(1);
      e(OP.i32And, OP.select); // t & 1 ? t + p : t
      i32(1);
      e(OP.i32ShrU);
      set(I);
      loop(
        I,
        WINDOW,
        () => {
          get(I);
          i32(1);
          e(OP.i32Store8, 0, ...uleb(marksOff));
        },
        () => get(PJ),
      );
    },
    () => i32(1),
  );
  return wasmModule([
    [1, [1, 0x60, 3, TYPE.i32, TYPE.i32, TYPE.i32, 0]], // (i32, i32, i32) -> ()
    [3, [1, 0]],
    [5, [1, 0x00, ...uleb(pages)]],
    [7, [2, ...name("mem"), 0x02, 0, ...name("sieve"), 0x00, 0]],
    [
      10,
      concat([
        [1],
        functionBody(
          [
            [5, TYPE.i32],
            [2, TYPE.v128],
          ],
          c,
        ),
      ]),
    ],
  ]);
}
