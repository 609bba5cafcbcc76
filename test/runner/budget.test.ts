import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normaliseUsage } from "../../src/proposer/openai-usage.js";
import { Budget } from "../../src/runner/budget.js";

const price = { input: 1, output: 10 }; // USD / 1M tokens

describe("budget", () => {
  it("does not start a call whose worst case could exceed --max-cost-usd, counting calls in flight", () => {
    // worst case of one call: 1000 in + 10000 out = 0.001 + 0.1 = 0.101 USD
    const b = new Budget({ maxCostUsd: 0.25, price, maxOutputTokens: 10000 });
    const r1 = b.tryReserve(1000);
    const r2 = b.tryReserve(1000);
    expect(r1).not.toBeNull();
    expect(r2).not.toBeNull();
    expect(b.tryReserve(1000)).toBeNull(); // 3 x 0.101 > 0.25
    expect(b.exhausted).toBe(true);
    const cost = b.settle(r1!, normaliseUsage({ input_tokens: 1000, output_tokens: 1000 }));
    expect(cost).toBeCloseTo(0.011, 10);
    expect(b.tryReserve(1000)).toBeNull(); // once exhausted, stays stopped
  });

  it("counts what resumed attempts already spent", () => {
    const b = new Budget({ maxTokens: 30_000, maxOutputTokens: 10_000, spentTokens: 15_000 });
    expect(b.tryReserve(1000)).not.toBeNull();
    expect(b.tryReserve(1000)).toBeNull();
  });

  it("never lets spent + reserved exceed the limit (any sequence of reserve/settle)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 10000 })), {
          maxLength: 40,
        }),
        (calls) => {
          const b = new Budget({ maxTokens: 50_000, maxOutputTokens: 10_000 });
          for (const [input, output] of calls) {
            const r = b.tryReserve(input);
            if (r === null) break;
            b.settle(r, normaliseUsage({ input_tokens: input, output_tokens: output }));
          }
          return b.spent.tokens <= 50_000;
        },
      ),
    );
  });
});
