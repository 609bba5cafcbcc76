import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import {
  BUILTIN_PRICES,
  costOf,
  findPrice,
  loadPriceTable,
  worstCaseCost,
} from "../../src/proposer/openai-pricing.js";
import { normaliseUsage } from "../../src/proposer/openai-usage.js";

describe("pricing", () => {
  it("prices cached input at its own rate and reasoning inside output", () => {
    const usage = normaliseUsage({
      input_tokens: 1_000_000,
      input_tokens_details: { cached_tokens: 400_000 },
      output_tokens: 1_000_000,
      output_tokens_details: { reasoning_tokens: 900_000 },
    });
    // gpt-5: 0.6M uncached x 1.25 + 0.4M cached x 0.125 + 1M output x 10
    expect(costOf(usage, BUILTIN_PRICES["gpt-5"]!)).toBeCloseTo(0.75 + 0.05 + 10, 10);
  });

  it("finds dated snapshots by the longest prefix", () => {
    expect(findPrice(BUILTIN_PRICES, "gpt-5-mini-2025-08-07")).toBe(BUILTIN_PRICES["gpt-5-mini"]);
    expect(findPrice(BUILTIN_PRICES, "gpt-5-2025-08-07")).toBe(BUILTIN_PRICES["gpt-5"]);
    expect(findPrice(BUILTIN_PRICES, "my-local-model")).toBeUndefined();
  });

  it("worst case assumes every allowed output token", () => {
    expect(worstCaseCost(2000, 20000, { input: 1, output: 10 })).toBeCloseTo(0.002 + 0.2, 10);
  });

  it("a --prices file overrides and extends the table; a bad one names the file and field", () => {
    const dir = mkdtempSync(join(tmpdir(), "prices-"));
    const good = join(dir, "good.json");
    writeFileSync(
      good,
      JSON.stringify({ "gpt-5": { input: 2, output: 20 }, local: { input: 0, output: 0 } }),
    );
    const table = loadPriceTable(good);
    expect(table["gpt-5"]).toEqual({ input: 2, output: 20 });
    expect(table.local).toEqual({ input: 0, output: 0 });
    expect(table["gpt-5-mini"]).toBe(BUILTIN_PRICES["gpt-5-mini"]);
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ "gpt-5": { input: "cheap" } }));
    expect(() => loadPriceTable(bad)).toThrow(UsageError);
    expect(() => loadPriceTable(bad)).toThrow(/--prices .*bad\.json: at gpt-5\.input/);
  });
});
