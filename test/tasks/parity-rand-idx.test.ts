import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parityRandIdx } from "../../src/tasks/parity-rand-idx.js";

/**
 * SHA-256 of the paper's copy of parity_rand_idx.json (first entries of torch.randperm(L) after
 * torch.manual_seed(42), computed with torch 1.13.1 on the CPU), taken from the shared reference copy.
 * An edit of the shipped data changes fn_e / fn_f labels and must be caught here.
 */
const PAPER_SHA256 = "5ab3d6b51f5ddd279a4f59ceaaafd00dc6c117b3dc26f5cc9e502909fd340641";

describe("data/parity_rand_idx.json", () => {
  it("is byte for byte the paper's copy", () => {
    const bytes = readFileSync(new URL("../../data/parity_rand_idx.json", import.meta.url));
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(PAPER_SHA256);
  });

  it("gives k distinct in-range coordinates for L = 1..256, and none beyond", () => {
    for (let length = 1; length <= 256; length++) {
      for (const k of [3, 10]) {
        const idx = parityRandIdx(length, k);
        if (length < k) continue;
        expect(idx, `L=${length} k=${k}`).toHaveLength(k);
        expect(new Set(idx).size).toBe(k);
        expect(idx?.every((i) => Number.isInteger(i) && i >= 0 && i < length)).toBe(true);
      }
    }
    expect(parityRandIdx(257, 3)).toBeUndefined();
  });
});
