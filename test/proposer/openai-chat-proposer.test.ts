import { afterEach, describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import { preflightChat } from "../../src/proposer/openai-chat-preflight.js";
import { type ChatProposerOptions, createChatProposer } from "../../src/proposer/openai-chat-proposer.js";
import { CallAbortedError, type Proposal } from "../../src/proposer/proposer.js";
import { type ChatReply, type ChatServer, startChatServer } from "../helpers/chat-server.js";
import { answer, PROGRAMS } from "../helpers/programs.js";

let server: ChatServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function propose(
  replies: ChatReply[],
  over: Partial<ChatProposerOptions> = {},
  signal?: AbortSignal,
): Promise<{ proposal: Proposal; server: ChatServer; events: string[] }> {
  server = await startChatServer({
    script: ({ index }) => replies[Math.min(index, replies.length - 1)]!,
  });
  const events: string[] = [];
  const proposer = createChatProposer({
    model: "loopback-model",
    maxOutputTokens: 4096,
    structuredOutput: false,
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
    signal: signal ?? new AbortController().signal,
  });
  const proposal = (await session.next()) as Proposal;
  return { proposal, server, events };
}

describe("openai-chat proposer over the real SDK and real HTTP", () => {
  for (const stream of [true, false])
    it(`${stream ? "streamed" : "not streamed"}: sends one user message and reads text, reasoning and usage`, async () => {
      const { proposal, server } = await propose(
        [
          {
            kind: "answer",
            text: answer(PROGRAMS.parity),
            reasoning: "count the ones",
            reasoningField: "reasoning",
            usage: { prompt_tokens: 900, completion_tokens: 400, cached_tokens: 50, reasoning_tokens: 250 },
          },
        ],
        { stream, reasoningEffort: "low" },
      );
      const body = server.calls[0]!.body;
      expect(body.messages).toEqual([{ role: "user", content: "PROMPT\n```\n01 -> 1\n```" }]);
      expect(body.max_tokens).toBe(4096);
      expect(body.reasoning_effort).toBe("low");
      if (stream) {
        expect(body.stream).toBe(true);
        expect(body.stream_options).toEqual({ include_usage: true });
      } else expect(body.stream).toBeUndefined();
      expect(proposal.text).toBe(answer(PROGRAMS.parity));
      expect(proposal.error).toBeUndefined();
      expect(proposal.incompleteReason).toBeUndefined();
      expect(proposal.usage).toEqual({
        input_tokens: 900,
        output_tokens: 400,
        total_tokens: 1300,
        prompt_tokens: 900,
        completion_tokens: 400,
        cached_tokens: 50,
        reasoning_tokens: 250,
      });
      expect(proposal.meta).toMatchObject({ reasoning: "count the ones", finish_reason: "stop" });
    });

  it("reads reasoning from reasoning_content too, and sends no reasoning_effort unless set", async () => {
    const { proposal, server } = await propose([
      { kind: "answer", text: "x", reasoning: "think", reasoningField: "reasoning_content" },
    ]);
    expect(server.calls[0]!.body).not.toHaveProperty("reasoning_effort");
    expect(server.calls[0]!.body).not.toHaveProperty("verbosity");
    expect(proposal.meta?.reasoning).toBe("think");
  });

  it("an empty answer cut at finish_reason length is incomplete with that reason, never a silent program", async () => {
    const { proposal } = await propose([
      { kind: "answer", text: "", reasoning: "long thoughts", finishReason: "length" },
    ]);
    expect(proposal.text).toBe("");
    expect(proposal.incompleteReason).toBe("length");
    expect(proposal.usage?.output_tokens).toBe(500);
  });

  it("a server that sends no usage: the attempt's usage is unknown (the budget keeps the worst case)", async () => {
    const { proposal } = await propose([{ kind: "answer", text: "x", noUsage: true }]);
    expect(proposal.usage).toBeUndefined();
    expect(proposal.usageUnknown).toBe(true);
  });

  it("429 with Retry-After and 503 are retried; the answer after them is kept", async () => {
    const { proposal, server, events } = await propose([
      { kind: "http_error", status: 429, retryAfter: "0" },
      { kind: "http_error", status: 503 },
      { kind: "answer", text: "ok" },
    ]);
    expect(server.calls).toHaveLength(3);
    expect(events.filter((e) => e === "retry")).toHaveLength(2);
    expect(proposal.text).toBe("ok");
  });

  it("a dropped connection, before or during the stream, is retried", async () => {
    const { proposal, server } = await propose([
      { kind: "drop" },
      { kind: "drop_mid_stream", text: answer(PROGRAMS.parity) },
      { kind: "answer", text: "whole" },
    ]);
    expect(server.calls).toHaveLength(3);
    expect(proposal.text).toBe("whole");
  });

  it("retries spent: the failure is data (an error, usage unknown when the server never answered)", async () => {
    const dropped = await propose([{ kind: "drop" }], {
      retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 5 },
    });
    expect(dropped.server.calls).toHaveLength(2);
    expect(dropped.proposal.error).toMatch(/connection error/);
    expect(dropped.proposal.usageUnknown).toBe(true);
    await server?.close();
    const refused = await propose([{ kind: "http_error", status: 400, message: "bad model" }]);
    expect(refused.server.calls).toHaveLength(1);
    expect(refused.proposal.error).toMatch(/HTTP 400/);
    expect(refused.proposal.usageUnknown).toBeUndefined();
  });

  it("a hostile answer is only text: it comes back as the proposal, for the sandbox to judge", async () => {
    const hostile = answer(PROGRAMS.readLabels);
    const { proposal } = await propose([{ kind: "answer", text: hostile }]);
    expect(proposal.text).toBe(hostile);
  });

  it("an abort rejects with CallAbortedError (nothing to record)", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error("interrupted")), 50);
    await expect(
      propose([{ kind: "answer", text: "late", delayMs: 2000 }], {}, ac.signal),
    ).rejects.toBeInstanceOf(CallAbortedError);
  });

  it("--structured-output asks for the {code} JSON schema", async () => {
    const { server } = await propose([{ kind: "answer", text: "{}" }], { structuredOutput: true });
    expect(server.calls[0]!.body.response_format).toMatchObject({
      type: "json_schema",
      json_schema: { name: "program", strict: true },
    });
  });
});

describe("openai-chat pre-flight (GET /models)", () => {
  it("passes when the server has the model, and names the models it has when it does not", async () => {
    server = await startChatServer({
      script: () => ({ kind: "answer", text: "" }),
      models: ["qwen3:8b", "llama3.1:8b"],
    });
    await expect(
      preflightChat({ apiKey: undefined, baseURL: server.url, model: "qwen3:8b" }),
    ).resolves.toBeUndefined();
    const wrong = preflightChat({ apiKey: undefined, baseURL: server.url, model: "qwen3:9b" });
    await expect(wrong).rejects.toBeInstanceOf(UsageError);
    await expect(
      preflightChat({ apiKey: undefined, baseURL: server.url, model: "qwen3:9b" }),
    ).rejects.toThrow(/--model qwen3:9b: .*has qwen3:8b, llama3\.1:8b/);
    expect(server.calls).toHaveLength(0);
  });

  it("a rejected key, an unreachable server and a bad URL are usage errors naming what to fix", async () => {
    server = await startChatServer({ script: () => ({ kind: "answer", text: "" }), apiKey: "sk-right" });
    await expect(preflightChat({ apiKey: "sk-wrong", baseURL: server.url, model: "m" })).rejects.toThrow(
      /rejected OPENAI_API_KEY \(HTTP 401\)/,
    );
    const url = server.url;
    await server.close();
    server = undefined;
    await expect(preflightChat({ apiKey: undefined, baseURL: url, model: "m" })).rejects.toThrow(
      /cannot reach/,
    );
    await expect(preflightChat({ apiKey: undefined, baseURL: "not a url", model: "m" })).rejects.toThrow(
      /is not a URL/,
    );
  });
});
