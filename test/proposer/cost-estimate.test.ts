import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { estimateGridCost } from "../../src/proposer/cost-estimate.js";
import { BUILTIN_PRICES } from "../../src/proposer/openai-pricing.js";
import { costOf, type Price, priceOfMode, pricingModeOf } from "../../src/proposer/pricing.js";
import { ANTHROPIC_PRICES } from "../../src/proposer/providers/anthropic.js";
import { makeUsage } from "../../src/proposer/usage.js";

const rate = fc.double({ min: 0, max: 100, noNaN: true });
const price = fc.record({ input: rate, cached_input: rate, cache_write: rate, output: rate });
const usage = fc
  .record({ input: fc.nat(1e7), output: fc.nat(1e7), cached: fc.nat(1e7), write: fc.nat(1e7) })
  .map((u) =>
    makeUsage({
      input: u.input,
      output: u.output,
      cachedRead: Math.min(u.cached, u.input),
      cacheWrite: u.write,
    }),
  );

describe("prices by processing mode", () => {
  it("batch and flex cost exactly half of standard for any usage when the table gives no rate of their own", () => {
    fc.assert(
      fc.property(price, usage, (p, u) => {
        const standard = costOf(u, priceOfMode(p, "standard")!);
        expect(costOf(u, priceOfMode(p, "batch")!)).toBeCloseTo(standard / 2, 6);
        expect(costOf(u, priceOfMode(p, "flex")!)).toBeCloseTo(standard / 2, 6);
      }),
    );
  });

  it("a table's own batch or priority rates win; priority without one is unknown", () => {
    const p: Price = { input: 1, output: 2, batch: { input: 0.1, output: 0.2 } };
    expect(priceOfMode(p, "batch")).toEqual({ input: 0.1, output: 0.2 });
    expect(priceOfMode(p, "priority")).toBeUndefined();
    expect(priceOfMode(BUILTIN_PRICES["gpt-5"]!, "priority")).toEqual({
      input: 2.5,
      cached_input: 0.25,
      output: 20,
    });
    expect(priceOfMode(ANTHROPIC_PRICES["claude-sonnet-4-5"]!, "batch")).toEqual({
      input: 1.5,
      cached_input: 0.15,
      cache_write: 1.875,
      output: 7.5,
    });
  });

  it("the served tier picks the mode: flex and priority as reported, a batch result always batch", () => {
    expect(pricingModeOf("flex", false)).toBe("flex");
    expect(pricingModeOf("default", false)).toBe("standard");
    expect(pricingModeOf("auto", false)).toBe("standard");
    expect(pricingModeOf(undefined, false)).toBe("standard");
    expect(pricingModeOf("flex", true)).toBe("batch");
  });
});

describe("estimateGridCost", () => {
  const gpt5 = BUILTIN_PRICES["gpt-5"]!;
  it("every attempt at full input and output: the upper bound", () => {
    const c = estimateGridCost({
      inputTokens: [1000, 3000],
      attempts: 5,
      outputTokens: 20000,
      price: gpt5,
      mode: "standard",
      cache: false,
    });
    expect(c.calls).toBe(10);
    expect(c.usd).toBeCloseTo((5 * 4000 * 1.25 + 10 * 20000 * 10) / 1e6, 12);
  });

  it("with the cache, attempts 2.. read the prompt at the cached rate; batch halves everything", () => {
    const c = estimateGridCost({
      inputTokens: [1000],
      attempts: 5,
      outputTokens: 100,
      price: gpt5,
      mode: "batch",
      cache: true,
    });
    expect(c.usd).toBeCloseTo((1000 * 0.625 + 4 * 1000 * 0.0625 + 5 * 100 * 5) / 1e6, 12);
  });

  it("never more with the cache than without when cached input costs no more than input (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(100_000), { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 1, max: 8 }),
        fc.record({ input: rate, output: rate, f: fc.double({ min: 0, max: 1, noNaN: true }) }),
        (tokens, attempts, r) => {
          const p = { input: r.input, cached_input: r.input * r.f, output: r.output };
          const common = {
            inputTokens: tokens,
            attempts,
            outputTokens: 1000,
            price: p,
            mode: "standard" as const,
          };
          expect(estimateGridCost({ ...common, cache: true }).usd!).toBeLessThanOrEqual(
            estimateGridCost({ ...common, cache: false }).usd! + 1e-9,
          );
        },
      ),
    );
  });

  it("no rate for the mode: usd unknown", () => {
    expect(
      estimateGridCost({
        inputTokens: [1],
        attempts: 1,
        outputTokens: 1,
        price: { input: 1, output: 1 },
        mode: "priority",
        cache: false,
      }).usd,
    ).toBeUndefined();
  });
});
