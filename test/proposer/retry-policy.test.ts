import { afterEach, describe, expect, it } from "vitest";
import { createAnthropicProposer } from "../../src/proposer/anthropic-proposer.js";
import { createGeminiProposer } from "../../src/proposer/gemini-proposer.js";
import { createChatProposer } from "../../src/proposer/openai-chat-proposer.js";
import { createOpenAIProposer } from "../../src/proposer/openai-proposer.js";
import type { Proposal, Proposer } from "../../src/proposer/proposer.js";
import type { RetryPolicy } from "../../src/proposer/retry.js";
import { startChatServer } from "../helpers/chat-server.js";
import { startGeminiServer } from "../helpers/gemini-server.js";
import { startMessagesServer } from "../helpers/messages-server.js";
import { startResponsesServer } from "../helpers/responses-server.js";

/**
 * One retry policy for every provider (src/proposer/retry.ts): each provider's path, through its real
 * SDK against its loopback server, retries 408, 409, 429, 5xx, 529 and a dropped connection, waits
 * what retry-after-ms / Retry-After asked (capped by the policy), and gives up after maxRetries.
 */

/** A fault the servers all know how to serve. */
type Fault =
  | { kind: "http_error"; status: number; retryAfter?: string; retryAfterMs?: string }
  | { kind: "drop" };

interface Loopback {
  readonly calls: () => number;
  close(): Promise<void>;
}

interface Case {
  readonly provider: string;
  /** A server answering `text` once the faults are used up, and a proposer on it with `retry`. */
  start(
    faults: readonly Fault[],
    text: string,
    retry: RetryPolicy,
    onEvent: (event: string, fields: Record<string, unknown>) => void,
  ): Promise<{ server: Loopback; proposer: Proposer }>;
}

const common = (retry: RetryPolicy, onEvent: (event: string, fields: Record<string, unknown>) => void) => ({
  maxOutputTokens: 1000,
  timeoutMs: 5000,
  retry,
  onEvent,
});

const CASES: Case[] = [
  {
    provider: "openai",
    async start(faults, text, retry, onEvent) {
      const s = await startResponsesServer({
        script: ({ index }) => faults[index] ?? { kind: "completed", text },
      });
      const proposer = createOpenAIProposer({
        ...common(retry, onEvent),
        model: "gpt-5",
        reasoningEffort: "high",
        toolChoice: "auto",
        codeInterpreter: false,
        structuredOutput: false,
        apiKey: "fake-openai-key",
        baseURL: s.url,
      });
      return { server: { calls: () => s.calls.length, close: () => s.close() }, proposer };
    },
  },
  {
    provider: "openai-chat",
    async start(faults, text, retry, onEvent) {
      const s = await startChatServer({ script: ({ index }) => faults[index] ?? { kind: "answer", text } });
      const proposer = createChatProposer({
        ...common(retry, onEvent),
        model: "loopback-model",
        structuredOutput: false,
        baseURL: s.url,
      });
      return { server: { calls: () => s.calls.length, close: () => s.close() }, proposer };
    },
  },
  {
    provider: "anthropic",
    async start(faults, text, retry, onEvent) {
      const s = await startMessagesServer({
        script: ({ index }) => faults[index] ?? { kind: "answer", text },
      });
      const proposer = createAnthropicProposer({
        ...common(retry, onEvent),
        model: "claude-sonnet-4-5",
        apiKey: "fake-anthropic-key",
        baseURL: s.url,
      });
      return { server: { calls: () => s.calls.length, close: () => s.close() }, proposer };
    },
  },
  {
    provider: "gemini",
    async start(faults, text, retry, onEvent) {
      const s = await startGeminiServer({ script: ({ index }) => faults[index] ?? { kind: "answer", text } });
      const proposer = createGeminiProposer({
        ...common(retry, onEvent),
        model: "gemini-2.5-pro",
        codeExecution: false,
        structuredOutput: false,
        apiKey: "gm-loopback",
        baseURL: s.url,
      });
      return { server: { calls: () => s.calls.length, close: () => s.close() }, proposer };
    },
  },
];

const open: Loopback[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function propose(c: Case, faults: readonly Fault[], retry: RetryPolicy) {
  const retries: { retry: number; delayMs: number; error: string }[] = [];
  const { server, proposer } = await c.start(faults, "the answer", retry, (event, fields) => {
    if (event === "retry") retries.push(fields as (typeof retries)[number]);
  });
  open.push(server);
  const started = performance.now();
  const proposal = (await proposer
    .open({
      gridPoint: { fn: "fn_a", length: 8 },
      prompt: "PROMPT",
      train: [],
      attemptsDone: 0,
      signal: new AbortController().signal,
    })
    .next()) as Proposal;
  return { proposal, retries, calls: server.calls(), elapsedMs: performance.now() - started };
}

describe.each(CASES)("the retry policy, --provider $provider", (c) => {
  it("retries 408, 409, 429, 529, 503 and a dropped connection; waits what the server asked, capped", async () => {
    const policy: RetryPolicy = { maxRetries: 6, baseDelayMs: 1, maxDelayMs: 400 };
    const { proposal, retries, calls, elapsedMs } = await propose(
      c,
      [
        { kind: "http_error", status: 408, retryAfterMs: "120" },
        { kind: "http_error", status: 409, retryAfter: "0.2" },
        { kind: "http_error", status: 429, retryAfter: "3600" }, // an hour: capped at maxDelayMs
        { kind: "http_error", status: 529, retryAfterMs: "50" },
        { kind: "http_error", status: 503 },
        { kind: "drop" },
      ],
      policy,
    );
    expect(proposal.error, proposal.error).toBeUndefined();
    expect(proposal.text).toBe("the answer");
    expect(calls).toBe(7);
    expect(retries.map((r) => r.retry)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(retries.slice(0, 4).map((r) => r.delayMs)).toEqual([120, 200, 400, 50]);
    for (const r of retries.slice(4)) expect(r.delayMs).toBeLessThanOrEqual(policy.baseDelayMs * 2 ** 5);
    expect(retries[3]!.error).toMatch(/529/);
    expect(elapsedMs).toBeGreaterThanOrEqual(120 + 200 + 400 + 50 - 20); // it really waited
  });

  it("gives up after maxRetries (the failure is data, not billed) and never retries a 400", async () => {
    const overloaded = await propose(c, Array(10).fill({ kind: "http_error", status: 529 }), {
      maxRetries: 2,
      baseDelayMs: 1,
      maxDelayMs: 5,
    });
    expect(overloaded.calls).toBe(3);
    expect(overloaded.proposal.error).toMatch(/HTTP 529/);
    expect(overloaded.proposal.usageUnknown).toBeUndefined();
    const refused = await propose(c, [{ kind: "http_error", status: 400 }], {
      maxRetries: 2,
      baseDelayMs: 1,
      maxDelayMs: 5,
    });
    expect(refused.calls).toBe(1);
    expect(refused.proposal.error).toMatch(/HTTP 400/);
  });
});
