import { afterEach, describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import { preflightAnthropic } from "../../src/proposer/anthropic-preflight.js";
import {
  type AnthropicProposerOptions,
  createAnthropicProposer,
} from "../../src/proposer/anthropic-proposer.js";
import { costOf, findPrice } from "../../src/proposer/pricing.js";
import type { Proposal } from "../../src/proposer/proposer.js";
import { ANTHROPIC_PRICES } from "../../src/proposer/providers/anthropic.js";
import { type MessagesReply, type MessagesServer, startMessagesServer } from "../helpers/messages-server.js";
import { answer, PROGRAMS } from "../helpers/programs.js";

let server: MessagesServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function propose(
  replies: MessagesReply[],
  over: Partial<AnthropicProposerOptions> = {},
): Promise<{ proposal: Proposal; server: MessagesServer; events: string[] }> {
  server = await startMessagesServer({
    script: ({ index }) => replies[Math.min(index, replies.length - 1)]!,
  });
  const events: string[] = [];
  const proposer = createAnthropicProposer({
    model: "claude-sonnet-4-5",
    maxOutputTokens: 20000,
    apiKey: "fake-anthropic-key",
    baseURL: server.url,
    timeoutMs: 5000,
    retry: { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 200 },
    onEvent: (event) => events.push(event),
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

describe("anthropic proposer over @anthropic-ai/sdk and real HTTP (streamed Messages)", () => {
  it("sends one streamed user message with the thinking budget; reads text, thinking and usage with the cache", async () => {
    const { proposal, server } = await propose(
      [
        {
          kind: "answer",
          text: answer(PROGRAMS.parity),
          thinking: "count the ones",
          usage: {
            input_tokens: 700,
            cache_read_input_tokens: 100,
            cache_creation_input_tokens: 200,
            output_tokens: 500,
          },
        },
      ],
      { thinkingBudget: 4096 },
    );
    const call = server.calls[0]!;
    expect(call.apiKey).toBe("fake-anthropic-key");
    expect(call.version).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(call.body).toMatchObject({
      model: "claude-sonnet-4-5",
      max_tokens: 20000,
      stream: true,
      messages: [{ role: "user", content: "PROMPT\n```\n01 -> 1\n```" }],
      thinking: { type: "enabled", budget_tokens: 4096 },
    });
    expect(proposal.text).toBe(answer(PROGRAMS.parity));
    expect(proposal.meta).toMatchObject({ reasoning: "count the ones", stop_reason: "end_turn" });
    expect(proposal.usage).toEqual({
      input_tokens: 1000,
      output_tokens: 500,
      total_tokens: 1500,
      prompt_tokens: 1000,
      completion_tokens: 500,
      cached_tokens: 100,
      reasoning_tokens: 0,
      cache_write_tokens: 200,
    });
    // claude-sonnet-4-5: 700 plain x 3 + 100 read x 0.3 + 200 written x 3.75 + 500 out x 15, per 1M
    const price = findPrice(ANTHROPIC_PRICES, "claude-sonnet-4-5-20250929", /^(.+)-\d{8}$/)!;
    expect(costOf(proposal.usage!, price)).toBeCloseTo(
      (700 * 3 + 100 * 0.3 + 200 * 3.75 + 500 * 15) / 1e6,
      12,
    );
  });

  it("the price table: current models by exact id and dated snapshot, each model its own rates", () => {
    const snap = /^(.+)-\d{8}$/;
    expect(findPrice(ANTHROPIC_PRICES, "claude-opus-5-5", snap)).toEqual({
      input: 4,
      cached_input: 0.2,
      cache_write: 5,
      output: 20,
    });
    // a dated snapshot of Sonnet 5.5 is Sonnet 5.5, not Sonnet 5 (whose cache reads cost twice as much)
    expect(findPrice(ANTHROPIC_PRICES, "claude-sonnet-5-5-20260901", snap)?.cached_input).toBe(0.1);
    expect(findPrice(ANTHROPIC_PRICES, "claude-sonnet-5-20260101", snap)?.cached_input).toBe(0.2);
    expect(findPrice(ANTHROPIC_PRICES, "claude-sonnet-5-5-latest", snap)).toBeUndefined();
    for (const [id, p] of Object.entries(ANTHROPIC_PRICES)) {
      expect(p.cached_input! < p.input && p.input < p.cache_write! && p.cache_write! < p.output, id).toBe(
        true,
      );
    }
  });

  it("no thinking budget: no thinking in the request", async () => {
    const { server } = await propose([{ kind: "answer", text: "x" }]);
    expect(server.calls[0]!.body).not.toHaveProperty("thinking");
  });

  it("an empty answer cut at max_tokens is incomplete with that reason", async () => {
    const { proposal } = await propose([
      { kind: "answer", text: "", thinking: "long", stopReason: "max_tokens" },
    ]);
    expect(proposal.text).toBe("");
    expect(proposal.incompleteReason).toBe("max_tokens");
  });

  it("529 overloaded, 429 with Retry-After, 503, an overloaded error mid-stream and a dropped connection are retried", async () => {
    const { proposal, server, events } = await propose(
      [
        { kind: "http_error", status: 529 },
        { kind: "http_error", status: 429, retryAfter: "0" },
        { kind: "http_error", status: 503 },
        { kind: "stream_error", errorType: "overloaded_error" },
        { kind: "drop" },
        { kind: "answer", text: "ok" },
      ],
      { retry: { maxRetries: 5, baseDelayMs: 1, maxDelayMs: 20 } },
    );
    expect(server.calls).toHaveLength(6);
    expect(events.filter((e) => e === "retry")).toHaveLength(5);
    expect(proposal.text).toBe("ok");
  });

  it.each([true, false])(
    "--enable-code-interpreter (streamed: %s): the code execution tool is sent; its runs are counted, texts joined",
    async (stream) => {
      const { proposal, server } = await propose(
        [
          {
            kind: "answer",
            textBefore: "Let me test a guess.",
            codeRun: { code: "python3 -c 'print(1)'", stdout: "1\n", stderr: "warn" },
            text: answer(PROGRAMS.parity),
            serverToolUse: { code_execution_requests: 1 },
            usage: {
              input_tokens: 900,
              cache_read_input_tokens: 0,
              cache_creation_input_tokens: 0,
              output_tokens: 600,
            },
          },
        ],
        { codeExecution: true, stream },
      );
      const call = server.calls[0]!;
      expect(call.body.tools).toEqual([{ type: "code_execution_20250825", name: "code_execution" }]);
      expect(call.beta).toBeUndefined(); // the tool is stable: no beta header
      expect(call.body.stream).toBe(stream ? true : undefined);
      expect(proposal.toolUses).toBe(1);
      expect(proposal.toolResultsChars).toBe("1\n".length + "warn".length);
      // the fence after the tool run stays a fence: a line break between the two text blocks
      expect(proposal.text).toBe(`Let me test a guess.\n${answer(PROGRAMS.parity)}`);
      expect(proposal.meta).toMatchObject({ server_tool_use: { code_execution_requests: 1 } });
      expect(proposal.usage).toMatchObject({ input_tokens: 900, output_tokens: 600 });
    },
  );

  it("the older code_execution result blocks and a failed run (its error code) are read too", async () => {
    const { proposal } = await propose(
      [
        {
          kind: "answer",
          codeRun: { code: "print(2)", stdout: "2\n", tool: "code_execution" },
          text: "x",
        },
        {
          kind: "answer",
          codeRun: { code: "sleep 999", stdout: "", error: "execution_time_exceeded" },
          text: "y",
        },
      ],
      { codeExecution: true },
    );
    expect(proposal).toMatchObject({ toolUses: 1, toolResultsChars: 2 });
    const second = await createAnthropicProposer({
      model: "claude-sonnet-4-5",
      maxOutputTokens: 1000,
      apiKey: "k",
      baseURL: server!.url,
      timeoutMs: 5000,
      codeExecution: true,
    })
      .open({
        gridPoint: { fn: "fn_a", length: 8 },
        prompt: "P",
        train: [],
        attemptsDone: 0,
        signal: new AbortController().signal,
      })
      .next();
    expect(second).toMatchObject({
      text: "y",
      toolUses: 1,
      toolResultsChars: 0,
      meta: { tool_errors: ["execution_time_exceeded"] },
    });
  });

  it.each([true, false])(
    "--reasoning-effort and --structured-output go in output_config (streamed: %s); thinking tokens read",
    async (stream) => {
      const code = JSON.stringify({ code: PROGRAMS.parity });
      const { proposal, server } = await propose(
        [
          {
            kind: "answer",
            text: code,
            usage: { output_tokens: 500, output_tokens_details: { thinking_tokens: 320 } },
          },
        ],
        { effort: "medium", structuredOutput: true, stream },
      );
      expect(server.calls[0]!.body.output_config).toEqual({
        effort: "medium",
        format: {
          type: "json_schema",
          schema: {
            type: "object",
            properties: { code: { type: "string" } },
            required: ["code"],
            additionalProperties: false,
          },
        },
      });
      expect(server.calls[0]!.body).not.toHaveProperty("tools");
      expect(proposal.text).toBe(code);
      expect(proposal.usage).toMatchObject({ output_tokens: 500, reasoning_tokens: 320 });
      expect(proposal.toolUses).toBeUndefined();
    },
  );

  it("no effort, format or tool: no output_config and no tools in the request", async () => {
    const { server } = await propose([{ kind: "answer", text: "x" }]);
    expect(server.calls[0]!.body).not.toHaveProperty("output_config");
    expect(server.calls[0]!.body).not.toHaveProperty("tools");
  });

  it("a long tool turn paused by the server (pause_turn) is incomplete with that reason", async () => {
    const { proposal } = await propose(
      [{ kind: "answer", text: "still working", stopReason: "pause_turn" }],
      {
        codeExecution: true,
      },
    );
    expect(proposal.incompleteReason).toBe("pause_turn");
  });

  it("a refusal (400) is not retried: the failure is data, not billed", async () => {
    const { proposal, server } = await propose([
      { kind: "http_error", status: 400, errorType: "invalid_request_error" },
    ]);
    expect(server.calls).toHaveLength(1);
    expect(proposal.error).toMatch(/HTTP 400/);
    expect(proposal.usageUnknown).toBeUndefined();
  });
});

describe("anthropic pre-flight", () => {
  it("names ANTHROPIC_API_KEY when missing, a rejected key, and an unknown model", async () => {
    await expect(preflightAnthropic({ apiKey: undefined, baseURL: undefined, model: "m" })).rejects.toThrow(
      /ANTHROPIC_API_KEY is not set/,
    );
    server = await startMessagesServer({ script: () => ({ kind: "answer", text: "" }), apiKey: "sk-right" });
    await expect(preflightAnthropic({ apiKey: "sk-wrong", baseURL: server.url, model: "m" })).rejects.toThrow(
      /rejected ANTHROPIC_API_KEY \(HTTP 401\)/,
    );
    await expect(
      preflightAnthropic({ apiKey: "sk-right", baseURL: server.url, model: "no-such-model" }),
    ).rejects.toThrow(UsageError);
    await expect(
      preflightAnthropic({ apiKey: "sk-right", baseURL: server.url, model: "claude-sonnet-4-5" }),
    ).resolves.toBeUndefined();
    expect(server.modelChecks).toEqual(["no-such-model", "claude-sonnet-4-5"]);
    expect(server.calls).toHaveLength(0);
  });
});
