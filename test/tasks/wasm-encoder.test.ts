import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { name, section, sleb, uleb } from "../../src/tasks/wasm-encoder.js";

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
    expect(section(3, [1, 2, 3])).toEqual([3, 3, 1, 2, 3]);
    expect(name("mem")).toEqual([3, 0x6d, 0x65, 0x6d]);
    const big = new Array(200).fill(0);
    expect(section(10, big).slice(0, 3)).toEqual([10, ...uleb(200)]);
  });
});
