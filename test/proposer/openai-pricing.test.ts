import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import {
  BUILTIN_PRICES,
  costOf,
  findPrice,
  loadPriceTable,
  type PriceTable,
  priceForBudget,
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

  it("finds exact ids and their dated snapshots", () => {
    expect(findPrice(BUILTIN_PRICES, "gpt-5")).toBe(BUILTIN_PRICES["gpt-5"]);
    expect(findPrice(BUILTIN_PRICES, "gpt-5-mini-2025-08-07")).toBe(BUILTIN_PRICES["gpt-5-mini"]);
    expect(findPrice(BUILTIN_PRICES, "gpt-5-2025-08-07")).toBe(BUILTIN_PRICES["gpt-5"]);
    expect(findPrice(BUILTIN_PRICES, "o3-2025-04-16")).toBe(BUILTIN_PRICES.o3);
    expect(findPrice(BUILTIN_PRICES, "my-local-model")).toBeUndefined();
  });

  it("never prices a model as another whose id prefixes it (gpt-5-pro is not gpt-5)", () => {
    // gpt-5-pro and o3-pro cost about 10x their namesakes: a prefix match let --max-cost-usd overrun.
    expect(findPrice(BUILTIN_PRICES, "gpt-5-pro")).toEqual({ input: 15, output: 120 });
    expect(findPrice(BUILTIN_PRICES, "gpt-5-pro-2025-10-06")).toEqual({ input: 15, output: 120 });
    expect(findPrice(BUILTIN_PRICES, "o3-pro")).toEqual({ input: 20, output: 80 });
    expect(findPrice(BUILTIN_PRICES, "o3-pro-2025-06-10")).toEqual({ input: 20, output: 80 });
    // Not in the table: unknown, whatever id prefixes them.
    for (const model of [
      "gpt-5-chat-latest",
      "gpt-5-codex",
      "o3-deep-research",
      "gpt-4o-audio-preview",
      "gpt-5-",
    ])
      expect(findPrice(BUILTIN_PRICES, model), model).toBeUndefined();
    // Only a whole YYYY-MM-DD suffix is a snapshot.
    expect(findPrice(BUILTIN_PRICES, "gpt-5-2025")).toBeUndefined();
    expect(findPrice(BUILTIN_PRICES, "gpt-5-2025-08-07-extra")).toBeUndefined();
  });

  it("law: a model is priced only by its own id or its own id plus a date", () => {
    const table: PriceTable = { ...BUILTIN_PRICES, base: { input: 1, output: 2 } };
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(table)),
        fc.stringMatching(/^-[a-z0-9-]{1,12}$/),
        (key, suffix) => {
          const price = findPrice(table, `${key}${suffix}`);
          const own = table[`${key}${suffix}`];
          if (own !== undefined) return price === own;
          if (/^-\d{4}-\d{2}-\d{2}$/.test(suffix)) return price === table[key];
          return price === undefined;
        },
      ),
    );
  });

  it("under a budget an unknown model is a usage error that shows how to give its price", () => {
    expect(priceForBudget(BUILTIN_PRICES, "gpt-5-2025-08-07")).toBe(BUILTIN_PRICES["gpt-5"]);
    expect(() => priceForBudget(BUILTIN_PRICES, "gpt-5-codex")).toThrow(UsageError);
    expect(() => priceForBudget(BUILTIN_PRICES, "gpt-5-codex")).toThrow(
      /--max-cost-usd: no price known for --model gpt-5-codex.*--prices FILE.*per 1M tokens.*\{"gpt-5-codex": \{"input": .*"output": .*\}\}/s,
    );
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
