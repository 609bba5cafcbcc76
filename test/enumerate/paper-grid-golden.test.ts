import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GOLDEN_PATH, paperGridGolden, renderGolden } from "./paper-grid-golden.js";

describe("the enumerator on the paper grid", () => {
  it("proposes exactly what the golden records (programs, Python, counts, kept order)", async () => {
    const golden = readFileSync(GOLDEN_PATH, "utf8");
    expect(renderGolden(await paperGridGolden())).toBe(golden);
  }, 300_000);
});
