/**
 * What the SIMD Montgomery kernels (base2-pair-kernel.ts, lucas-pair-kernel.ts) share: four numbers at
 * once, in two groups (128-bit vectors) of two lanes; 28-bit limbs stored as pairs of 32-bit words
 * [lane 0, lane 1], so that one `i64x2.extmul_low_i32x4_u` multiplies a limb of each lane by the other
 * operand's limb of the same lane; the code emitter; and the JS helpers that turn numbers into limbs.
 */
import { functionBody, uleb } from "./wasm-encoder.js";

export const LIMB_BITS = 28;
export const MASK = 2 ** LIMB_BITS - 1;
/** The kernels handle up to this many limbs: numbers up to 28 * 16 - 4 = 444 bits. */
export const MAX_PAIR_LIMBS = 16;
/** Lanes per 128-bit vector, and vectors per kernel: their chains interleave to hide each other's latency. */
export const LANES = 2;
export const GROUPS = 2;
/** How many numbers one call takes at once. */
export const BATCH = LANES * GROUPS;
/** Each group's arrays lie in its own block of memory. */
export const GROUP_BYTES = 4096;

export const SIMD = 0xfd;

export const op = {
  v128Load: [SIMD, 0x00],
  v128Store: [SIMD, 0x0b],
  load64Zero: [SIMD, 0x5d],
  load64Splat: [SIMD, 0x0a],
  store64Lane: [SIMD, 0x5b],
  shuffle: [SIMD, 0x0d],
  v128And: [SIMD, 0x4e],
  i32x4Add: [SIMD, ...uleb(0xae)],
  i32x4ShrU: [SIMD, ...uleb(0xad)],
  i32x4Neg: [SIMD, ...uleb(0xa1)],
  i32x4Splat: [SIMD, 0x11],
  i64x2Add: [SIMD, ...uleb(0xce)],
  i64x2Shl: [SIMD, ...uleb(0xcb)],
  i64x2ShrU: [SIMD, ...uleb(0xcd)],
  extmulLowU: [SIMD, ...uleb(0xde)],
  extmulHighU: [SIMD, ...uleb(0xdf)],
  i64x2Splat: [SIMD, 0x12],
} as const;
// Plain opcodes.
export const LOCAL_GET = 0x20;
export const LOCAL_SET = 0x21;
export const LOCAL_TEE = 0x22;
export const I32_CONST = 0x41;
export const I64_CONST = 0x42;
/** The bytes of i8x16.shuffle that gather 32-bit words 0 and 2 (each 64-bit lane's low word) into lanes 0, 1. */
export const PACK_LOW_WORDS = [0, 1, 2, 3, 8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11];
/** The bytes of i8x16.shuffle that repeat the low 64 bits (words 0, 1) in the high ones. */
export const REPEAT_LOW_HALF = [0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7];

/** v128 locals every kernel function that uses mulAdd2 reserves: a constant and two scratch pairs. */
export const K_MASK = 0; // 2^28 - 1 in both lanes
export const A2 = 1; // two limbs of one side of a column (scratch)
export const B2 = 2; // their partners (scratch)
export const SHARED_LOCALS = 3;

/** The code of one function, with the few compound instructions the kernels use. */
export class SimdBody {
  readonly code: number[] = [];
  emit(...bytes: readonly number[]): this {
    this.code.push(...bytes);
    return this;
  }
  get(local: number): this {
    return this.emit(LOCAL_GET, ...uleb(local));
  }
  set(local: number): this {
    return this.emit(LOCAL_SET, ...uleb(local));
  }
  /** Pushes the pair of 28-bit limbs at a constant address (zero-extended: words 0, 1 of a v128). */
  limb(addr: number): this {
    return this.emit(I32_CONST, 0, ...op.load64Zero, 3, ...uleb(addr));
  }
  /** local += limb(a) * limb(b), lane by lane. */
  mulAdd(local: number, a: number, b: number): this {
    return this.get(local)
      .limb(a)
      .limb(b)
      .emit(...op.extmulLowU, ...op.i64x2Add)
      .set(local);
  }
  /**
   * local += a[0] * b[0] + a[1] * b[1], lane by lane, where a[0], a[1] are the limb pairs at `a` and
   * a + 8, and b[0], b[1] those at `b` and b + 8: one 16-byte load of each side.
   */
  mulAdd2(local: number, a: number, b: number): this {
    this.get(local).emit(I32_CONST, 0, ...op.v128Load, 3, ...uleb(a), LOCAL_TEE, A2);
    this.emit(I32_CONST, 0, ...op.v128Load, 3, ...uleb(b), LOCAL_TEE, B2);
    this.emit(...op.extmulLowU, ...op.i64x2Add)
      .get(A2)
      .get(B2);
    return this.emit(...op.extmulHighU, ...op.i64x2Add).set(local);
  }
  /** Packs the two 64-bit lanes on the stack into words 0, 1 (their low 32 bits). */
  pack(scratch: number): this {
    this.emit(LOCAL_TEE, scratch).get(scratch);
    return this.emit(...op.shuffle, ...PACK_LOW_WORDS);
  }
  /** Stores words 0, 1 of the v128 computed by `value` at a constant address. */
  storePair(addr: number, value: () => void): this {
    this.emit(I32_CONST, 0);
    value();
    return this.emit(...op.store64Lane, 3, ...uleb(addr), 0);
  }
  bytes(groups: readonly (readonly [number, number])[]): Uint8Array {
    return functionBody(groups, this.code);
  }
}

/** The value of hex digit c (a char code of 0-9 or a-f). */
export function hexDigit(c: number): number {
  return c <= 57 ? c - 48 : c - 87;
}

/** Limb i (28 bits, 7 hex digits) of the number whose hex digits are `hex`. */
export function hexLimb(hex: string, i: number): number {
  const end = hex.length - 7 * i;
  let v = 0;
  for (let c = Math.max(0, end - 7); c < end; c++) v = v * 16 + hexDigit(hex.charCodeAt(c));
  return v;
}

/** -1 / a mod 2^28 for odd a (Newton's iteration on 32-bit words). */
export function negInverse(a: number): number {
  let x = a; // correct to 3 bits
  for (let i = 0; i < 4; i++) x = Math.imul(x, 2 - Math.imul(a, x));
  return -x & MASK;
}

/** Bits of a number given its hex digits. */
export function bitLength(hex: string): number {
  return 4 * (hex.length - 1) + (32 - Math.clz32(hexDigit(hex.charCodeAt(0))));
}

/** The limb count for numbers below 2^bits: R = 2^(28k) must exceed 16N. */
export function pairLimbs(bits: number): number {
  return Math.ceil((bits + 4) / LIMB_BITS);
}

/** The part of the WebAssembly JS API the kernels use (the project's TypeScript lib has no DOM types). */
export interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Compiles and instantiates a generated module; E names the functions it exports (besides `mem`). */
export function instantiate<E>(bytes: Uint8Array): E & { mem: { buffer: ArrayBuffer } } {
  return new wasm.Instance(new wasm.Module(bytes)).exports as E & { mem: { buffer: ArrayBuffer } };
}
