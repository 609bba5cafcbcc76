/**
 * The few pieces of the WebAssembly binary format the generated kernels need (no build step, no
 * dependency): opcodes, LEB128 integers, sections, function bodies, module instantiation.
 *
 * Invariant: what it writes is a valid module by the WebAssembly 2.0 binary format (with SIMD); it
 * imports nothing of this folder, so every kernel may import it.
 */

/** Value types (locals, signatures). */
export const TYPE = { i32: 0x7f, i64: 0x7e, f64: 0x7c, v128: 0x7b } as const;

/** The plain opcodes the kernels use; `void` is the empty block type. */
export const OP = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  call: 0x10,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  i64Load: 0x29,
  f64Load: 0x2b,
  i32Load8U: 0x2d,
  i64Store: 0x37,
  i32Store8: 0x3a,
  i32Const: 0x41,
  i64Const: 0x42,
  i32LtS: 0x48,
  i32GeU: 0x4f,
  i64LtS: 0x53,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32DivU: 0x6e,
  i32RemU: 0x70,
  i32And: 0x71,
  i32Shl: 0x74,
  i32ShrU: 0x76,
  i64Add: 0x7c,
  i64Sub: 0x7d,
  i64Mul: 0x7e,
  i64And: 0x83,
  i64Or: 0x84,
  i64Shl: 0x86,
  i64ShrS: 0x87,
  i64ShrU: 0x88,
  i32TruncF64S: 0xaa,
  void: 0x40,
} as const;

/** The SIMD opcodes the kernels use, each with its 0xfd prefix. */
export const V = {
  load: simd(0x00),
  load64Splat: simd(0x0a),
  store: simd(0x0b),
  const: simd(0x0c),
  shuffle: simd(0x0d),
  i32x4Splat: simd(0x11),
  i64x2Splat: simd(0x12),
  f64x2Splat: simd(0x14),
  f64x2Lt: simd(0x49),
  f64x2Ge: simd(0x4c),
  and: simd(0x4e),
  bitselect: simd(0x52),
  store64Lane: simd(0x5b),
  load64Zero: simd(0x5d),
  f64x2Floor: simd(0x75),
  i32x4Neg: simd(0xa1),
  i32x4ShrU: simd(0xad),
  i32x4Add: simd(0xae),
  i64x2Shl: simd(0xcb),
  i64x2ShrU: simd(0xcd),
  i64x2Add: simd(0xce),
  extmulLowU: simd(0xde),
  extmulHighU: simd(0xdf),
  f64x2Add: simd(0xf0),
  f64x2Sub: simd(0xf1),
  f64x2Mul: simd(0xf2),
} as const;

function simd(code: number): readonly number[] {
  return [0xfd, ...uleb(code)];
}

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): number[] {
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

export function name(s: string): number[] {
  return [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
}

/** Byte runs joined into one Uint8Array (typed-array copies: the kernels' code runs to tens of KB). */
export function concat(parts: readonly ArrayLike<number>[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * One entry of the code section: its size, its local declarations (groups of [count, value type]), the
 * code, and the closing `end`.
 */
export function functionBody(
  locals: readonly (readonly [number, number])[],
  code: readonly number[],
): Uint8Array {
  const header = [locals.length, ...locals.flatMap(([count, type]) => [...uleb(count), type])];
  const size = header.length + code.length + 1;
  return concat([uleb(size), header, code, [0x0b]]);
}

/** A module: the magic and version, then each [section id, content] with its size. */
export function wasmModule(sections: readonly (readonly [number, ArrayLike<number>])[]): Uint8Array {
  return concat([
    [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...sections.flatMap(([id, content]) => [[id, ...uleb(content.length)], content]),
  ]);
}

/** The part of the WebAssembly JS API the kernels use (the project's TypeScript lib has no DOM types). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Compiles and instantiates a generated module; E names the functions it exports (besides `mem`). */
export function instantiate<E>(bytes: Uint8Array): E & { mem: { buffer: ArrayBuffer } } {
  return new wasm.Instance(new wasm.Module(bytes)).exports as E & { mem: { buffer: ArrayBuffer } };
}
