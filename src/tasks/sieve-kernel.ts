/**
 * The next-prime sieve in a small WebAssembly module generated here: the residues of a window's start
 * modulo the small odd primes (two primes per 128-bit f64 vector: sum over the start's 24-bit limbs of
 * limb * (2^(24k) mod p), then a division-free remainder), then the marking of the window positions they
 * rule out. The same arithmetic as next-prime-engine.ts's sieveWindow, about four times cheaper, so a
 * larger sieve bound pays.
 */
import { name, section, uleb } from "./wasm-encoder.js";

const LIMB_BITS = 24;
const LIMB = 2 ** LIMB_BITS;
const SIMD = 0xfd;
// plain opcodes
const BLOCK = 0x02;
const LOOP = 0x03;
const END = 0x0b;
const BR = 0x0c;
const BR_IF = 0x0d;
const SELECT = 0x1b;
const GET = 0x20;
const SET = 0x21;
const TEE = 0x22;
const I32_LOAD = 0x28;
const F64_LOAD = 0x2b;
const I32_STORE8 = 0x3a;
const I32_CONST = 0x41;
const I32_GE_U = 0x4f;
const I32_ADD = 0x6a;
const I32_SUB = 0x6b;
const I32_AND = 0x71;
const I32_SHL = 0x74;
const I32_SHR_U = 0x76;
const I32_TRUNC_F64_S = 0xaa;
const VOID = 0x40;
const v = {
  load: [SIMD, 0x00],
  store: [SIMD, 0x0b],
  and: [SIMD, 0x4e],
  f64x2Splat: [SIMD, 0x14],
  f64x2Add: [SIMD, ...uleb(0xf0)],
  f64x2Sub: [SIMD, ...uleb(0xf1)],
  f64x2Mul: [SIMD, ...uleb(0xf2)],
  f64x2Floor: [SIMD, 0x75],
  f64x2Lt: [SIMD, 0x49],
  f64x2Ge: [SIMD, 0x4c],
} as const;
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

/** The part of the WebAssembly JS API used here (the project's TypeScript lib has no DOM types). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (
    module: object,
  ) => {
    exports: { sieve: (count: number, limbs: number, window: number) => void; mem: { buffer: ArrayBuffer } };
  };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

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
  const e = new wasm.Instance(new wasm.Module(buildModule(m, layout, marksOff, pages))).exports;
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
  const get = (l: number) => e(GET, l);
  const set = (l: number) => e(SET, l);
  const i32 = (n: number) => e(I32_CONST, ...sleb32(n));
  /** The pair of f64 at `base` + 8j (j: local J). */
  const pairAt = (base: number) => {
    get(J);
    i32(3);
    e(I32_SHL, ...v.load, 3, ...uleb(base));
  };
  // marks = 0
  i32(marksOff);
  i32(0);
  get(WINDOW);
  e(...MEMORY_FILL);
  // residues, two primes at a time
  i32(0);
  set(J);
  e(BLOCK, VOID, LOOP, VOID);
  get(J);
  get(COUNT);
  e(I32_GE_U, BR_IF, 1);
  e(SIMD, 0x0c, ...new Array(16).fill(0)); // v128.const 0
  set(ACC);
  // address of pow[0][j]
  get(J);
  i32(3);
  e(I32_SHL);
  set(ADDR);
  i32(0);
  set(K);
  e(BLOCK, VOID, LOOP, VOID);
  get(K);
  get(LIMBS);
  e(I32_GE_U, BR_IF, 1);
  // acc += limb_k * pow[k][j..j+1]
  get(ACC);
  get(K);
  i32(3);
  e(I32_SHL, F64_LOAD, 3, ...uleb(at.limbs), ...v.f64x2Splat);
  get(ADDR);
  e(...v.load, 3, ...uleb(at.pow), ...v.f64x2Mul, ...v.f64x2Add);
  set(ACC);
  get(ADDR);
  i32(8 * m);
  e(I32_ADD);
  set(ADDR);
  get(K);
  i32(1);
  e(I32_ADD);
  set(K);
  e(BR, 0, END, END);
  // r = acc - floor(acc / p) p, then one correction either way (the quotient is off by at most one)
  get(ACC);
  get(ACC);
  pairAt(at.inv);
  e(...v.f64x2Mul, ...v.f64x2Floor);
  pairAt(at.p);
  e(...v.f64x2Mul, ...v.f64x2Sub, TEE, Q);
  get(Q);
  e(SIMD, 0x0c, ...new Array(16).fill(0), ...v.f64x2Lt);
  pairAt(at.p);
  e(...v.and, ...v.f64x2Add, TEE, Q);
  get(Q);
  pairAt(at.p);
  e(...v.f64x2Ge);
  pairAt(at.p);
  e(...v.and, ...v.f64x2Sub);
  set(Q);
  // store the pair of residues
  get(J);
  i32(3);
  e(I32_SHL);
  get(Q);
  e(...v.store, 3, ...uleb(at.residues));
  get(J);
  i32(2);
  e(I32_ADD);
  set(J);
  e(BR, 0, END, END);
  // marking: start + 2i = 0 (mod p) <=> 2i = p - r (mod p): i = (p - r) / 2, or (p - r + p) / 2 when odd
  i32(0);
  set(J);
  e(BLOCK, VOID, LOOP, VOID);
  get(J);
  get(COUNT);
  e(I32_GE_U, BR_IF, 1);
  get(J);
  i32(2);
  e(I32_SHL, I32_LOAD, 2, ...uleb(at.pInt));
  set(PJ);
  // t = r == 0 ? 0 : p - r
  get(PJ);
  get(J);
  i32(3);
  e(I32_SHL, F64_LOAD, 3, ...uleb(at.residues), I32_TRUNC_F64_S, TEE, I);
  e(I32_SUB);
  i32(0);
  get(I);
  e(SELECT); // r ? p - r : 0
  set(I);
  // i = t even ? t / 2 : (t + p) / 2
  get(I);
  get(PJ);
  e(I32_ADD);
  get(I);
  get(I);
  i32(1);
  e(I32_AND, SELECT); // t & 1 ? t + p : t
  i32(1);
  e(I32_SHR_U);
  set(I);
  e(BLOCK, VOID, LOOP, VOID);
  get(I);
  get(WINDOW);
  e(I32_GE_U, BR_IF, 1);
  get(I);
  i32(1);
  e(I32_STORE8, 0, ...uleb(marksOff));
  get(I);
  get(PJ);
  e(I32_ADD);
  set(I);
  e(BR, 0, END, END);
  get(J);
  i32(1);
  e(I32_ADD);
  set(J);
  e(BR, 0, END, END);
  const body = [2, ...uleb(5), 0x7f, ...uleb(2), 0x7b, ...c, END];
  const code = [...uleb(body.length), ...body];
  const I32 = 0x7f;
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, 0x60, 3, I32, I32, I32, 0]), // (i32, i32, i32) -> ()
    ...section(3, [1, 0]),
    ...section(5, [1, 0x00, ...uleb(pages)]),
    ...section(7, [2, ...name("mem"), 0x02, 0, ...name("sieve"), 0x00, 0]),
    ...section(10, [1, ...code]),
  ]);
}

/** Signed LEB128 of a 32-bit integer. */
function sleb32(n: number): number[] {
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
