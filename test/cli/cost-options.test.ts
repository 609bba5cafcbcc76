import { describe, expect, it } from "vitest";
import {
  batchEventLine,
  checkCostFlags,
  requestedPricingMode,
  reservationPrice,
} from "../../src/cli/cost-options.js";
import { UsageError } from "../../src/core/errors.js";
import { BUILTIN_PRICES } from "../../src/proposer/openai-pricing.js";
import { getProvider } from "../../src/proposer/registry.js";
import { readRunSettings } from "../../src/runner/run-config.js";

const settings = (opts: Record<string, unknown>) =>
  readRunSettings({ provider: "openai", ...opts }, true, process.env).settings;

describe("cost flags", () => {
  it("refuses what a provider cannot honour, naming the flag", () => {
    const refuse = (opts: Record<string, unknown>, provider: string, msg: RegExp) =>
      expect(() => checkCostFlags(settings({ ...opts, provider }), getProvider(provider))).toThrow(msg);
    refuse({ batchApi: true }, "gemini", /--batch-api: only --provider openai and anthropic/);
    refuse({ batchApi: true }, "openai-chat", /--batch-api/);
    refuse({ batchApi: true, background: true }, "openai", /--batch-api and --background/);
    refuse({ batchApi: true, serviceTier: "flex" }, "openai", /--batch-api and --service-tier/);
    refuse({ serviceTier: "flex" }, "anthropic", /--service-tier: only --provider openai/);
    refuse({ promptCache: true }, "gemini", /--prompt-cache/);
    expect(() =>
      checkCostFlags(settings({ batchApi: true, promptCache: true }), getProvider("openai")),
    ).not.toThrow();
    expect(() => checkCostFlags(settings({ batchApi: true }), getProvider("anthropic"))).not.toThrow();
    expect(() => checkCostFlags(settings({ batchApi: true }), undefined)).toThrow(UsageError);
  });

  it("--batch-api: every grid point in flight by default; --batch-window at most 24 hours", () => {
    expect(settings({ batchApi: true }).concurrency).toBeGreaterThanOrEqual(100_000);
    expect(settings({}).concurrency).toBe(5);
    expect(settings({ batchApi: true, concurrency: 3 }).concurrency).toBe(3);
    expect(() => settings({ batchApi: true, batchWindow: 48 })).toThrow(/--batch-window/);
  });

  it("reserves at the requested mode's rates; flex with fallback auto at the standard ones", () => {
    const gpt5 = BUILTIN_PRICES["gpt-5"]!;
    expect(requestedPricingMode(settings({ batchApi: true }))).toBe("batch");
    expect(reservationPrice(gpt5, settings({ batchApi: true }))).toMatchObject({ input: 0.625, output: 5 });
    expect(reservationPrice(gpt5, settings({ serviceTier: "flex" }))).toMatchObject({
      input: 1.25,
      output: 10,
    });
    expect(reservationPrice(gpt5, settings({ serviceTier: "flex", flexFallback: "fail" }))).toMatchObject({
      input: 0.625,
    });
    expect(reservationPrice({ input: 1, output: 1 }, settings({ serviceTier: "priority" }))).toBeUndefined();
  });

  it("shows batch states on one line each", () => {
    expect(
      batchEventLine("batch_state", { batch_id: "b1", status: "in_progress", done: 3, total: 60, failed: 0 }),
    ).toBe("batch b1: in_progress (3/60 answered, 0 failed)");
    expect(batchEventLine("batch_resume", { batch_id: "b1" })).toBeUndefined();
  });
});
