import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  formatExample,
  formatExampleLines,
  LineFormatError,
  parseExampleLines,
} from "../../src/dataset/line-format.js";
import { datasetPath, derivedSeed, seedKey, specForPoint, specsForGrid } from "../../src/dataset/spec.js";

const spec = (fn: string, length: number, seed = 7, sizes: [number, number, number] = [100, 100, 100]) => ({
  fn,
  length,
  trainSize: sizes[0],
  valSize: sizes[1],
  testSize: sizes[2],
  seed,
});

describe("specs of a grid", () => {
  it("gives each grid point its task and length with the grid's sizes and seed", () => {
    const grid = { trainSize: 10, valSize: 20, testSize: 30, seed: 5, datasetDir: "d" };
    expect(specForPoint(grid, { fn: "fn_c", length: 40 })).toEqual(spec("fn_c", 40, 5, [10, 20, 30]));
    const specs = specsForGrid({ ...grid, functions: ["fn_a", "fn_h"], lengths: [20, 40] });
    expect(specs.map((s) => `${s.fn}/${s.length}/${s.trainSize}/${s.seed}`)).toEqual([
      "fn_a/20/10/5",
      "fn_a/40/10/5",
      "fn_h/20/10/5",
      "fn_h/40/10/5",
    ]);
  });
});

describe("derived seeds and paths", () => {
  it("reads the key as the runner does", () => {
    expect(seedKey(spec("fn_a", 50, 42, [100, 100, 10000]))).toBe(
      "fn_a|L=50|train=200|test=10000|base_seed=42",
    );
  });

  it("reproduces the folder names the Python runner wrote (test/fixtures/ref_datasets)", () => {
    expect(datasetPath("d", spec("fn_b", 20))).toBe("d/parity_first_half/L20/seed370982471");
    expect(datasetPath("d", spec("fn_h", 20))).toBe("d/dyck2/L20/seed114873176");
    expect(datasetPath("d", spec("fn_i", 20))).toBe("d/prime_decimal/L20/seed1775144141");
    expect(datasetPath("d", spec("fn_e", 30))).toBe("d/parity_rand_3/L30/seed2021258691");
  });

  it("law: the first 8 digest bytes, big-endian, masked to 31 bits (= the low 31 bits of bytes 4..7)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("fn_a", "fn_b", "fn_h", "fn_i"),
        fc.integer({ min: 20, max: 60 }),
        fc.integer({ min: -1e9, max: 1e9 }),
        fc.tuple(fc.nat(500), fc.nat(500), fc.nat(20000)),
        (fn, length, seed, [t, v, n]) => {
          const s = spec(fn, length, seed, [t, v, n]);
          const digest = createHash("sha256").update(seedKey(s)).digest();
          return derivedSeed(s) === (digest.readUInt32BE(4) & 0x7fffffff);
        },
      ),
    );
  });

  it("is a 31-bit number that depends on every part of the key", () => {
    const base = derivedSeed(spec("fn_a", 20));
    expect(derivedSeed(spec("fn_a", 21))).not.toBe(base);
    expect(derivedSeed(spec("fn_b", 20))).not.toBe(base);
    expect(derivedSeed(spec("fn_a", 20, 8))).not.toBe(base);
    expect(derivedSeed(spec("fn_a", 20, 7, [100, 100, 101]))).not.toBe(base);
    // train and val enter the key only as their sum, as in the runner
    expect(derivedSeed(spec("fn_a", 20, 7, [50, 150, 100]))).toBe(base);
  });
});

describe("line format", () => {
  it("round-trips any examples (property)", () => {
    const example = fc.record({
      x: fc.stringMatching(/^[0-9]{1,30}$/),
      y: fc.constantFrom(0 as const, 1 as const),
    });
    fc.assert(
      fc.property(fc.array(example), (examples) => {
        expect(parseExampleLines(formatExampleLines(examples), "f.txt")).toEqual(examples);
      }),
    );
  });

  it("writes `<input> -> <label>`", () => {
    expect(formatExample({ x: "0101", y: 1 })).toBe("0101 -> 1");
  });

  it("names the file and line of a bad line or a truncated end", () => {
    expect(() => parseExampleLines("01 -> 1\n01 -> 2\n", "train.txt")).toThrow(/^train\.txt:2: /);
    expect(() => parseExampleLines("01 -> 1\n01 -> 0", "val.txt")).toThrow(/val\.txt:2: .*newline/);
    expect(() => parseExampleLines("01 -> 1\n\n", "t.txt")).toThrow(LineFormatError);
    expect(() => parseExampleLines("01-> 1\n", "t.txt")).toThrow(/t\.txt:1/);
  });
});
