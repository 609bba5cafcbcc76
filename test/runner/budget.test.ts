import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BUILTIN_PRICES } from "../../src/proposer/openai-pricing.js";
import { normaliseUsage } from "../../src/proposer/openai-usage.js";
import { priceOfMode } from "../../src/proposer/pricing.js";
import { makeUsage } from "../../src/proposer/usage.js";
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

  it("never lets spent + reserved exceed the limit, with up to k calls in flight at once", () => {
    // Limits: 50k tokens and/or 0.35 USD (worst case of one call: input x 1e-6 + 0.1 USD).
    const maxOutputTokens = 10_000;
    let runsWithSeveralInFlight = 0;
    const op = fc.oneof(
      {
        arbitrary: fc.record({
          kind: fc.constant("reserve" as const),
          input: fc.integer({ min: 0, max: 5000 }),
        }),
        weight: 3,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant("settle" as const),
          pick: fc.nat(),
          output: fc.integer({ min: 0, max: maxOutputTokens }),
        }),
        weight: 2,
      },
    );
    fc.assert(
      fc.property(
        fc.constantFrom("tokens", "usd", "both"),
        fc.array(op, { maxLength: 60 }),
        (limits, ops) => {
          const maxTokens = limits === "usd" ? Number.POSITIVE_INFINITY : 50_000;
          const maxCostUsd = limits === "tokens" ? Number.POSITIVE_INFINITY : 0.35;
          const b = new Budget({
            maxOutputTokens,
            price,
            ...(limits !== "usd" ? { maxTokens } : {}),
            ...(limits !== "tokens" ? { maxCostUsd } : {}),
          });
          // Reservations still open (calls in flight), with the input each was reserved for.
          const open: { res: NonNullable<ReturnType<Budget["tryReserve"]>>; input: number }[] = [];
          const reserved = () => ({
            tokens: open.reduce((s, o) => s + o.res.tokens, 0),
            usd: open.reduce((s, o) => s + o.res.usd, 0),
          });
          let maxOpen = 0;
          for (const o of ops) {
            if (o.kind === "reserve") {
              const wasExhausted = b.exhausted;
              const before = { spent: b.spent, reserved: reserved() };
              const r = b.tryReserve(o.input);
              if (r === null) {
                // Refused only once exhausted or when the worst case truly does not fit beside the calls in flight.
                const fits =
                  before.spent.tokens + before.reserved.tokens + o.input + maxOutputTokens <= maxTokens &&
                  before.spent.usd +
                    before.reserved.usd +
                    (o.input * price.input + maxOutputTokens * price.output) / 1e6 <=
                    maxCostUsd + 1e-12;
                expect(wasExhausted || !fits).toBe(true);
                expect(b.exhausted).toBe(true);
              } else {
                expect(wasExhausted).toBe(false);
                open.push({ res: r, input: o.input });
                maxOpen = Math.max(maxOpen, open.length);
              }
            } else if (open.length > 0) {
              const [o2] = open.splice(o.pick % open.length, 1);
              b.settle(o2!.res, normaliseUsage({ input_tokens: o2!.input, output_tokens: o.output }));
            }
            const r = reserved();
            expect(b.spent.tokens + r.tokens).toBeLessThanOrEqual(maxTokens);
            expect(b.spent.usd + r.usd).toBeLessThanOrEqual(maxCostUsd + 1e-12);
          }
          // Settling whatever is still in flight keeps the real spend under the limits too.
          for (const o2 of open.splice(0)) {
            b.settle(o2.res, normaliseUsage({ input_tokens: o2.input, output_tokens: maxOutputTokens }));
          }
          expect(b.spent.tokens).toBeLessThanOrEqual(maxTokens);
          expect(b.spent.usd).toBeLessThanOrEqual(maxCostUsd + 1e-12);
          if (maxOpen >= 2) runsWithSeveralInFlight++;
        },
      ),
    );
    // The generated runs did keep several reservations open at once (not one reserve/settle at a time).
    expect(runsWithSeveralInFlight).toBeGreaterThan(10);
  });

  it("reservations in flight count against the limit before anything is spent", () => {
    // Three calls fit beside each other (3 x 10.1k tokens <= 50k), none settled yet.
    const b = new Budget({ maxTokens: 50_000, maxOutputTokens: 10_000 });
    const open = [b.tryReserve(100), b.tryReserve(100), b.tryReserve(100), b.tryReserve(100)];
    expect(open.every((r) => r !== null)).toBe(true);
    expect(b.tryReserve(100)).toBeNull(); // a fifth would make 50.5k in flight
    expect(b.spent.tokens).toBe(0);
  });
});

describe("budget by processing mode (batch, flex, priority)", () => {
  it("settles each call at its mode's rates; a mode without a rate has no cost", () => {
    const base = { ...BUILTIN_PRICES["gpt-5"]!, priority: undefined };
    const b = new Budget({ maxOutputTokens: 100, price: base, priceOfMode: (m) => priceOfMode(base, m) });
    const u = makeUsage({ input: 1_000_000, output: 1_000_000, cachedRead: 400_000 });
    const standard = 0.6 * 1.25 + 0.4 * 0.125 + 10;
    expect(b.settle(b.tryReserve(10)!, u)).toBeCloseTo(standard, 10);
    expect(b.settle(b.tryReserve(10)!, u, "batch")).toBeCloseTo(standard / 2, 10);
    expect(b.settle(b.tryReserve(10)!, u, "flex")).toBeCloseTo(standard / 2, 10);
    expect(b.settle(b.tryReserve(10)!, u, "priority")).toBeNull();
    expect(b.spent.usd).toBeCloseTo(2 * standard, 10);
  });
});
