import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import { costOf, findPrice, priceForBudget, worstCaseCost } from "../../src/proposer/pricing.js";
import { getProvider, PROVIDER_IDS, providerEnv } from "../../src/proposer/registry.js";
import { addUsage, makeUsage, ZERO_USAGE } from "../../src/proposer/usage.js";
import { runFingerprint } from "../../src/runner/fingerprint.js";
import { readRunSettings } from "../../src/runner/run-config.js";

describe("the provider registry", () => {
  it("knows openai, and refuses an unknown id naming the known ones", () => {
    expect(PROVIDER_IDS).toContain("openai");
    expect(() => getProvider("nope")).toThrow(UsageError);
    expect(() => getProvider("nope")).toThrow(/known: .*openai/);
  });

  it("openai: the fingerprint of a run with the paper's defaults is the one it had before the registry", () => {
    const settings = readRunSettings({ provider: "openai" }, true, process.env).settings;
    const configured = getProvider("openai").resolve(settings, { apiKey: "sk-x", baseURL: undefined });
    const data = { train: 100, val: 100, test: 10000, seed: 42 };
    const python = { executable: "/usr/bin/python3", version: "3.11.7" };
    // The object run-action.ts hashed before the registry existed, written out by hand.
    const before = {
      proposer: "openai:gpt-5",
      request: {
        model: "gpt-5",
        maxOutputTokens: 20000,
        reasoningEffort: "high",
        verbosity: "low",
        toolChoice: "auto",
        codeInterpreter: false,
        structuredOutput: false,
      },
      data,
      python,
    };
    expect(configured.proposerId).toBe("openai:gpt-5");
    expect(runFingerprint({ ...configured.fingerprint, data, python })).toBe(runFingerprint(before));
  });

  it("reads the key and base URL from the provider's variables, --base-url first", () => {
    const p = getProvider("openai");
    const env = { OPENAI_API_KEY: "sk-1", OPENAI_BASE_URL: "http://a/v1" };
    expect(providerEnv(p, env, undefined)).toEqual({ apiKey: "sk-1", baseURL: "http://a/v1" });
    expect(providerEnv(p, env, "http://b/v1")).toEqual({ apiKey: "sk-1", baseURL: "http://b/v1" });
    expect(providerEnv(p, {}, undefined)).toEqual({ apiKey: undefined, baseURL: undefined });
  });

  it("openai without pre-flight names the key it needs when it is missing", () => {
    const settings = readRunSettings({ provider: "openai" }, false, process.env).settings;
    const configured = getProvider("openai").resolve(settings, { apiKey: undefined, baseURL: undefined });
    expect(() => configured.requireKey()).toThrow(/OPENAI_API_KEY is not set/);
  });
});

describe("each provider's options: its own rules, named in the error", () => {
  const resolve = (provider: string, over: Record<string, unknown>) => {
    const settings = readRunSettings({ provider, ...over }, false, process.env).settings;
    return getProvider(provider).resolve(settings, { apiKey: "k", baseURL: undefined });
  };
  const request = (provider: string, over: Record<string, unknown>) =>
    (resolve(provider, over).fingerprint as { request: Record<string, unknown> }).request;

  it("gemini: --thinking-budget 0 (off) and -1 (dynamic) are taken; below -1 is refused with Gemini's rule", () => {
    expect(request("gemini", { model: "gemini-2.5-flash", thinkingBudget: 0 }).thinkingBudget).toBe(0);
    expect(request("gemini", { model: "gemini-2.5-flash", thinkingBudget: -1 }).thinkingBudget).toBe(-1);
    expect(request("gemini", { model: "gemini-2.5-flash", thinkingBudget: 512 }).thinkingBudget).toBe(512);
    expect(() => resolve("gemini", { model: "gemini-2.5-flash", thinkingBudget: -2 })).toThrow(
      /--thinking-budget: Gemini's thinkingBudget is -1 \(dynamic\), 0 \(off, .*\(--provider gemini\)/,
    );
  });

  it("gemini: a thinking level only where the model takes one (Gemini 3), never on 2.x", () => {
    expect(request("gemini", { model: "gemini-3-pro-preview", reasoningEffort: "low" }).thinkingLevel).toBe(
      "LOW",
    );
    expect(() => resolve("gemini", { model: "gemini-2.5-pro", reasoningEffort: "low" })).toThrow(
      /--reasoning-effort: gemini-2.5-pro takes no thinking level \(Gemini 3 models do\); use --thinking-budget/,
    );
  });

  it("anthropic: budget_tokens at least 1024; effort low..max; code tool and format; old fingerprints kept", () => {
    expect(() => resolve("anthropic", { model: "claude-sonnet-4-5", thinkingBudget: 0 })).toThrow(
      /--thinking-budget: Anthropic's budget_tokens is at least 1024 .*\(--provider anthropic\)/,
    );
    expect(() => resolve("anthropic", { model: "claude-sonnet-4-5", thinkingBudget: -1 })).toThrow(
      UsageError,
    );
    expect(() => resolve("anthropic", { model: "claude-opus-4-5", reasoningEffort: "minimal" })).toThrow(
      /--reasoning-effort: Anthropic's effort takes low, medium, high, xhigh, max \(--provider anthropic\)/,
    );
    expect(
      request("anthropic", {
        model: "claude-opus-4-5",
        reasoningEffort: "xhigh",
        enableCodeInterpreter: true,
        structuredOutput: true,
      }),
    ).toMatchObject({ effort: "xhigh", codeExecution: true, structuredOutput: true });
    // Without the new options the request fingerprinted is exactly the one before they existed.
    const plain = resolve("anthropic", { model: "claude-sonnet-4-5", thinkingBudget: 2048 }).fingerprint;
    expect(runFingerprint(plain)).toBe(
      runFingerprint({
        proposer: "anthropic:claude-sonnet-4-5",
        request: { model: "claude-sonnet-4-5", maxOutputTokens: 20000, thinkingBudget: 2048 },
      }),
    );
  });

  it("openai and openai-chat take no --thinking-budget at all, whatever its value", () => {
    for (const provider of ["openai", "openai-chat"])
      for (const thinkingBudget of [-1, 0, 2048])
        expect(() => resolve(provider, { thinkingBudget })).toThrow(
          /--thinking-budget: only --provider anthropic and gemini/,
        );
  });
});

describe("provider-neutral usage and cost", () => {
  it("cache writes and tool use appear only when reported, and add up", () => {
    const plain = makeUsage({ input: 10, output: 5, cachedRead: 2, reasoning: 3 });
    expect(plain).toEqual({
      input_tokens: 10,
      output_tokens: 5,
      total_tokens: 15,
      prompt_tokens: 10,
      completion_tokens: 5,
      cached_tokens: 2,
      reasoning_tokens: 3,
    });
    const cached = makeUsage({ input: 100, output: 1, cacheWrite: 40, toolUse: 7 });
    expect(cached).toMatchObject({ cache_write_tokens: 40, tool_use_tokens: 7 });
    expect(addUsage(ZERO_USAGE, plain)).toEqual(plain);
    expect(addUsage(plain, cached)).toMatchObject({
      input_tokens: 110,
      cache_write_tokens: 40,
      tool_use_tokens: 7,
    });
  });

  it("prices cache reads and cache writes at their own rates, the rest of the input at input", () => {
    const price = { input: 3, cached_input: 0.3, cache_write: 3.75, output: 15 };
    // 1M input: 0.2M read from the cache, 0.3M written to it, 0.5M plain; 1M output.
    const u = makeUsage({ input: 1e6, output: 1e6, cachedRead: 2e5, cacheWrite: 3e5 });
    expect(costOf(u, price)).toBeCloseTo(0.5 * 3 + 0.2 * 0.3 + 0.3 * 3.75 + 15, 10);
    // The worst case takes the dearer of input and cache write for every input token.
    expect(worstCaseCost(1e6, 1e6, price)).toBeCloseTo(3.75 + 15, 10);
  });

  it("a provider's own snapshot naming finds the price of the undated id", () => {
    const table = { "claude-x": { input: 1, output: 2 } };
    expect(findPrice(table, "claude-x-20250929")).toBeUndefined();
    expect(findPrice(table, "claude-x-20250929", /^(.+)-\d{8}$/)).toBe(table["claude-x"]);
    expect(() => priceForBudget(table, "claude-x-2025", /^(.+)-\d{8}$/)).toThrow(UsageError);
  });
});

describe("--provider auto and openai-chat settings", () => {
  it("auto chooses by the model's name when a key is set, the enumerator when none is", () => {
    expect(readRunSettings({}, true, process.env).settings.provider).toBe("openai");
    expect(readRunSettings({ provider: "auto", model: "gpt-4.1" }, true, process.env).settings.provider).toBe(
      "openai",
    );
    expect(readRunSettings({ provider: "auto" }, false, process.env).settings.provider).toBe("enumerative");
    expect(readRunSettings({ model: "claude-sonnet-4-5" }, true, process.env).settings.provider).toBe(
      "anthropic",
    );
    expect(readRunSettings({ model: "claude-sonnet-4-5" }, true, process.env).providerAnnounce).toBe(
      "provider: anthropic (chosen by --model claude-sonnet-4-5; see --provider)",
    );
    expect(readRunSettings({ model: "gemini-2.5-pro" }, true, process.env).settings.provider).toBe("gemini");
    expect(readRunSettings({ model: "gemini-2.5-pro" }, true, process.env).providerAnnounce).toBe(
      "provider: gemini (chosen by --model gemini-2.5-pro; see --provider)",
    );
    // A key set and no --provider: announced with the key that chose it.
    expect(readRunSettings({}, true, process.env).providerAnnounce).toBe(
      "provider: openai (OPENAI_API_KEY is set; see --provider)",
    );
  });

  it("openai-chat sends no reasoning effort or verbosity unless a flag sets them; refuses the code tool", () => {
    const saved = { effort: process.env.REASONING_EFFORT, verbosity: process.env.TEXT_VERBOSITY };
    delete process.env.REASONING_EFFORT;
    delete process.env.TEXT_VERBOSITY;
    try {
      const settings = readRunSettings(
        { provider: "openai-chat", model: "qwen3:8b" },
        false,
        process.env,
      ).settings;
      expect(settings.reasoningEffort).toBeUndefined();
      expect(settings.verbosity).toBeUndefined();
      const chat = getProvider("openai-chat");
      const configured = chat.resolve(settings, { apiKey: undefined, baseURL: "http://127.0.0.1:1/v1" });
      expect(configured.proposerId).toBe("openai-chat:qwen3:8b");
      expect(configured.fingerprint).toEqual({
        proposer: "openai-chat:qwen3:8b",
        request: { model: "qwen3:8b", maxOutputTokens: 20000, structuredOutput: false },
      });
      expect(() =>
        chat.resolve({ ...settings, codeInterpreter: true }, { apiKey: undefined, baseURL: undefined }),
      ).toThrow(/--enable-code-interpreter/);
      expect(() =>
        chat.resolve({ ...settings, background: true }, { apiKey: undefined, baseURL: undefined }),
      ).toThrow(/--background/);
    } finally {
      if (saved.effort !== undefined) process.env.REASONING_EFFORT = saved.effort;
      if (saved.verbosity !== undefined) process.env.TEXT_VERBOSITY = saved.verbosity;
    }
  });
});
