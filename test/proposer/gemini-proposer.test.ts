import { afterEach, describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import { preflightGemini } from "../../src/proposer/gemini-preflight.js";
import {
  createGeminiProposer,
  type GeminiProposerOptions,
  geminiConfig,
} from "../../src/proposer/gemini-proposer.js";
import { costOf, findPrice } from "../../src/proposer/pricing.js";
import type { Proposal } from "../../src/proposer/proposer.js";
import { GEMINI_PRICES, GEMINI_VERSION_SNAPSHOT } from "../../src/proposer/providers/gemini.js";
import { type GeminiReply, type GeminiServer, startGeminiServer } from "../helpers/gemini-server.js";
import { answer, PROGRAMS } from "../helpers/programs.js";

let server: GeminiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function propose(
  replies: GeminiReply[],
  over: Partial<GeminiProposerOptions> = {},
): Promise<{ proposal: Proposal; server: GeminiServer; events: Record<string, unknown>[] }> {
  server = await startGeminiServer({
    script: ({ index }) => replies[Math.min(index, replies.length - 1)]!,
  });
  const events: Record<string, unknown>[] = [];
  const proposer = createGeminiProposer({
    model: "gemini-2.5-pro",
    maxOutputTokens: 20000,
    codeExecution: false,
    structuredOutput: false,
    apiKey: "gm-loopback",
    baseURL: server.url,
    timeoutMs: 5000,
    retry: { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 200 },
    onEvent: (event, fields) => events.push({ event, ...fields }),
    ...over,
  });
  const session = proposer.open({
    gridPoint: { fn: "fn_a", length: 8 },
    prompt: "PROMPT\n```\n01 -> 1\n```",
    train: [],
    attemptsDone: 0,
    signal: new AbortController().signal,
  });
  return { proposal: (await session.next()) as Proposal, server, events };
}

describe("gemini proposer over @google/genai and real HTTP", () => {
  it("streams (alt=sse) with the thinking budget; reads text, thoughts and usageMetadata", async () => {
    const { proposal, server } = await propose(
      [
        {
          kind: "answer",
          text: answer(PROGRAMS.parity),
          thoughts: "count the ones",
          usage: {
            promptTokenCount: 800,
            cachedContentTokenCount: 100,
            candidatesTokenCount: 300,
            thoughtsTokenCount: 200,
            toolUsePromptTokenCount: 50,
          },
        },
      ],
      { thinkingBudget: 4096 },
    );
    const call = server.calls[0]!;
    expect(call).toMatchObject({
      model: "gemini-2.5-pro",
      streamed: true,
      alt: "sse",
      apiKey: "gm-loopback",
    });
    expect(call.prompt).toBe("PROMPT\n```\n01 -> 1\n```");
    expect(call.body).toMatchObject({
      generationConfig: {
        maxOutputTokens: 20000,
        thinkingConfig: { thinkingBudget: 4096, includeThoughts: true },
      },
    });
    expect(call.body).not.toHaveProperty("tools");
    expect(JSON.stringify(call.body)).not.toMatch(/automaticContinuation|abortSignal/);
    expect(proposal.text).toBe(answer(PROGRAMS.parity));
    expect(proposal.meta).toMatchObject({ reasoning: "count the ones", finish_reason: "STOP" });
    expect(proposal.incompleteReason).toBeUndefined();
    expect(proposal.usage).toEqual({
      input_tokens: 850,
      output_tokens: 500,
      total_tokens: 1350,
      prompt_tokens: 850,
      completion_tokens: 500,
      cached_tokens: 100,
      reasoning_tokens: 200,
      tool_use_tokens: 50,
    });
    const price = findPrice(GEMINI_PRICES, "gemini-2.5-pro", GEMINI_VERSION_SNAPSHOT)!;
    expect(costOf(proposal.usage!, price)).toBeCloseTo((850 * 1.25 + 500 * 10) / 1e6, 12);
  });

  it("generateContent when not streamed; --reasoning-effort as thinkingLevel", async () => {
    const { proposal, server } = await propose([{ kind: "answer", text: "ok" }], {
      stream: false,
      thinkingLevel: "LOW",
    });
    expect(server.calls[0]).toMatchObject({ streamed: false });
    expect(server.calls[0]!.body).toMatchObject({
      generationConfig: { thinkingConfig: { thinkingLevel: "LOW" } },
    });
    expect(proposal.text).toBe("ok");
    expect(proposal.usage?.input_tokens).toBe(800);
  });

  it("the code tool and JSON output: tools, responseMimeType and a {code} schema; tool runs counted", async () => {
    const { proposal, server } = await propose(
      [{ kind: "answer", text: answer(PROGRAMS.parity), codeRun: { code: "print(1)", output: "1\n" } }],
      { codeExecution: true, structuredOutput: true },
    );
    const body = server.calls[0]!.body;
    expect(body).toMatchObject({
      tools: [{ codeExecution: {} }],
      generationConfig: {
        responseMimeType: "application/json",
        responseJsonSchema: { type: "object", properties: { code: { type: "string" } }, required: ["code"] },
      },
    });
    expect(proposal.toolUses).toBe(1);
    expect(proposal.toolResultsChars).toBe(2);
    expect(proposal.text).toBe(answer(PROGRAMS.parity));
  });

  it("MAX_TOKENS with no text is incomplete with that reason; with text it is an answer", async () => {
    const cut = await propose([{ kind: "answer", text: "", thoughts: "long", finishReason: "MAX_TOKENS" }]);
    expect(cut.proposal.text).toBe("");
    expect(cut.proposal.incompleteReason).toBe("MAX_TOKENS");
    await server?.close();
    const said = await propose([{ kind: "answer", text: "def f", finishReason: "MAX_TOKENS" }]);
    expect(said.proposal.incompleteReason).toBeUndefined();
    expect(said.proposal.meta).toMatchObject({ finish_reason: "MAX_TOKENS" });
  });

  it("SAFETY and a blocked prompt are recorded as incomplete", async () => {
    const safety = await propose([{ kind: "answer", text: "", finishReason: "SAFETY" }]);
    expect(safety.proposal.incompleteReason).toBe("SAFETY");
    await server?.close();
    const blocked = await propose([{ kind: "answer", text: "", blockReason: "PROHIBITED_CONTENT" }]);
    expect(blocked.proposal.incompleteReason).toBe("blocked: PROHIBITED_CONTENT");
    expect(blocked.proposal.meta).toMatchObject({ block_reason: "PROHIBITED_CONTENT" });
    expect(blocked.proposal.usage?.input_tokens).toBe(800);
  });

  it("429 with Retry-After (honoured), 503, a dropped connection and a stream cut are retried", async () => {
    const { proposal, server, events } = await propose(
      [
        { kind: "http_error", status: 429, retryAfter: "0.05" },
        { kind: "http_error", status: 503 },
        { kind: "drop" },
        { kind: "drop_mid_stream", text: "partial" },
        { kind: "answer", text: "ok" },
      ],
      { retry: { maxRetries: 5, baseDelayMs: 1, maxDelayMs: 500 } },
    );
    expect(server.calls).toHaveLength(5);
    const retries = events.filter((e) => e.event === "retry");
    expect(retries).toHaveLength(4);
    expect(retries[0]).toMatchObject({ delayMs: 50, error: expect.stringMatching(/HTTP 429/) });
    expect(retries[1]!.error).toMatch(/HTTP 503/);
    expect(proposal.text).toBe("ok");
  });

  it("a 400 is not retried: the failure is data, not billed; retries spent on drops: usage unknown", async () => {
    const bad = await propose([{ kind: "http_error", status: 400 }]);
    expect(bad.server.calls).toHaveLength(1);
    expect(bad.proposal.error).toMatch(/HTTP 400/);
    expect(bad.proposal.usageUnknown).toBeUndefined();
    await server?.close();
    const dropped = await propose([{ kind: "drop" }], {
      retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 5 },
    });
    expect(dropped.server.calls).toHaveLength(2);
    expect(dropped.proposal.error).toMatch(/connection error/);
    expect(dropped.proposal.usageUnknown).toBe(true);
  });
});

describe("gemini thinkingConfig", () => {
  const base = { model: "m", maxOutputTokens: 100, codeExecution: false, structuredOutput: false };
  it("budget 0 turns thinking off (no thought summaries asked); -1 is dynamic; a level is sent as given", () => {
    expect(geminiConfig({ ...base, thinkingBudget: 0 }).thinkingConfig).toEqual({ thinkingBudget: 0 });
    expect(geminiConfig({ ...base, thinkingBudget: -1 }).thinkingConfig).toEqual({
      thinkingBudget: -1,
      includeThoughts: true,
    });
    expect(geminiConfig({ ...base, thinkingLevel: "LOW" }).thinkingConfig).toEqual({
      thinkingLevel: "LOW",
      includeThoughts: true,
    });
    expect(geminiConfig(base)).not.toHaveProperty("thinkingConfig");
  });
});

describe("gemini pre-flight", () => {
  it("names GEMINI_API_KEY when missing, a rejected key, and an unknown model", async () => {
    await expect(preflightGemini({ apiKey: undefined, baseURL: undefined, model: "m" })).rejects.toThrow(
      /GEMINI_API_KEY \(or GOOGLE_API_KEY\) is not set/,
    );
    server = await startGeminiServer({ script: () => ({ kind: "answer", text: "" }), apiKey: "gm-right" });
    await expect(preflightGemini({ apiKey: "gm-wrong", baseURL: server.url, model: "m" })).rejects.toThrow(
      /rejected GEMINI_API_KEY \(HTTP 400\)/,
    );
    await expect(
      preflightGemini({ apiKey: "gm-right", baseURL: server.url, model: "no-such-model" }),
    ).rejects.toThrow(/--model no-such-model: .* does not know this model \(HTTP 404\)/);
    await expect(
      preflightGemini({ apiKey: "gm-right", baseURL: server.url, model: "gemini-2.5-pro" }),
    ).resolves.toBeUndefined();
    expect(server.modelChecks).toEqual(["no-such-model", "gemini-2.5-pro"]);
    expect(server.calls).toHaveLength(0);
    const closed = server.url;
    await server.close();
    server = undefined;
    await expect(
      preflightGemini({ apiKey: "gm-right", baseURL: closed, model: "gemini-2.5-pro" }),
    ).rejects.toThrow(UsageError);
  });
});
