import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { concat, functionBody, name, sleb, uleb, wasmModule } from "../../src/primes/wasm-encoder.js";

/** LEB128 decoding, written from the format's definition (7 bits a byte, low first, high bit = more). */
function decode(bytes: readonly number[], signed: boolean): { value: bigint; length: number } {
  let value = 0n;
  let shift = 0n;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    value |= BigInt(byte & 0x7f) << shift;
    shift += 7n;
    if ((byte & 0x80) === 0) {
      if (signed && (byte & 0x40) !== 0) value -= 1n << shift;
      return { value, length: i + 1 };
    }
  }
  throw new Error("unterminated LEB128");
}

describe("wasm encoder", () => {
  it("uleb and sleb round-trip through LEB128 decoding, in as few bytes as the value needs", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (n) => {
        const u = uleb(n);
        expect(decode(u, false)).toEqual({ value: BigInt(n), length: u.length });
        expect(u.length).toBe(Math.max(1, Math.ceil((32 - Math.clz32(n)) / 7)));
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (n) => {
        const s = sleb(n);
        expect(decode(s, true)).toEqual({ value: BigInt(n), length: s.length });
      }),
    );
    // the case that once broke a kernel: 2^28 - 1 needs sleb, whose last byte must not look negative
    expect(decode(sleb(2 ** 28 - 1), true).value).toBe(2n ** 28n - 1n);
    expect(decode(uleb(2 ** 28 - 1), true).value).toBe(-1n);
  });

  it("frames sections and names with their byte lengths", () => {
    const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    expect([...wasmModule([[3, [1, 2, 3]]])]).toEqual([...header, 3, 3, 1, 2, 3]);
    expect(name("mem")).toEqual([3, 0x6d, 0x65, 0x6d]);
    const big = new Array(200).fill(0);
    expect([...wasmModule([[10, big]]).slice(8, 11)]).toEqual([10, ...uleb(200)]);
  });

  it("assembles modules that WebAssembly accepts: concatenated runs, sized bodies with locals", () => {
    expect([...concat([[1, 2], new Uint8Array([3]), []])]).toEqual([1, 2, 3]);
    // add(x, y) = x + y through an i32 local; a 300-byte body of nops exercises a two-byte size
    const code = [...new Array(300).fill(0x01), 0x20, 0, 0x20, 1, 0x6a, 0x21, 2, 0x20, 2];
    const body = functionBody([[1, 0x7f]], code);
    expect([...body.slice(0, 2)]).toEqual(uleb(3 + code.length + 1));
    expect(body[body.length - 1]).toBe(0x0b);
    const bytes = wasmModule([
      [1, [1, 0x60, 2, 0x7f, 0x7f, 1, 0x7f]],
      [3, [1, 0]],
      [7, [1, ...name("add"), 0x00, 0]],
      [10, concat([[1], body])],
    ]);
    const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const { add } = new api.Instance(new api.Module(bytes)).exports;
    expect(add(40, 2)).toBe(42);
    expect(add(-5, 3)).toBe(-2);
  });
});

/** The part of the WebAssembly JS API used here (the project's TypeScript lib has no DOM types). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: { add: (a: number, b: number) => number } };
}
