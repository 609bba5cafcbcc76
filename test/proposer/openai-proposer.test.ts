import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { createOpenAIProposer, type OpenAIProposerOptions } from "../../src/proposer/openai-proposer.js";
import { PAPER_REQUEST_DEFAULTS } from "../../src/proposer/openai-request.js";
import { CallAbortedError, type Proposal, type Usage } from "../../src/proposer/proposer.js";
import { answer, PROGRAMS } from "../helpers/programs.js";
import {
  type Reply,
  type ResponsesServer,
  startResponsesServer,
  type WireUsage,
} from "../helpers/responses-server.js";

/** A usage as the proposer reports it for the server's `WireUsage`. */
const reported = (u: WireUsage): Usage => ({
  ...u,
  prompt_tokens: u.input_tokens,
  completion_tokens: u.output_tokens,
});

let server: ResponsesServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const baseOpts = (url: string, over: Partial<OpenAIProposerOptions> = {}): OpenAIProposerOptions => ({
  apiKey: "fake-openai-key",
  baseURL: url,
  ...PAPER_REQUEST_DEFAULTS,
  codeInterpreter: true, // as the paper's runs
  timeoutMs: 5000,
  retry: { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 200 },
  pollIntervalMs: 10,
  ...over,
});

async function propose(
  replies: Reply[] | ((i: number) => Reply),
  over: Partial<OpenAIProposerOptions> = {},
  signal?: AbortSignal,
  serverOpts: { retrieveDelayMs?: number } = {},
) {
  server = await startResponsesServer({
    ...serverOpts,
    script: ({ index }) =>
      typeof replies === "function" ? replies(index) : replies[Math.min(index, replies.length - 1)]!,
  });
  const events: { event: string; fields: Record<string, unknown> }[] = [];
  const proposer = createOpenAIProposer({
    ...baseOpts(server.url, over),
    onEvent: (event, fields) => events.push({ event, fields }),
  });
  const session = proposer.open({
    gridPoint: { fn: "fn_a", length: 8 },
    prompt: "PROMPT\n```\n01 -> 1\n```",
    train: [],
    attemptsDone: 0,
    signal: signal ?? new AbortController().signal,
  });
  const proposal = (await session.next()) as Proposal;
  return { proposal, server, events, proposer };
}

/** An AbortController that aborts ("interrupted") as soon as the server has seen a retrieve. */
function abortOnFirstRetrieve(): AbortController {
  const ac = new AbortController();
  const watch = setInterval(() => {
    if ((server?.retrieves.length ?? 0) > 0) {
      clearInterval(watch);
      ac.abort(new Error("interrupted"));
    }
  }, 5);
  onTestFinished(() => clearInterval(watch));
  return ac;
}

describe("OpenAI proposer over the real SDK and real HTTP", () => {
  it("sends exactly the paper's request and reads text, usage and tool use", async () => {
    const { proposal, server, proposer } = await propose([
      {
        kind: "completed",
        text: answer(PROGRAMS.parity),
        usage: {
          input_tokens: 1234,
          output_tokens: 567,
          total_tokens: 1801,
          cached_tokens: 200,
          reasoning_tokens: 400,
        },
        toolCalls: [
          { code: "print(1)", logs: "1\n" },
          { code: "print(22)", logs: "22\n" },
        ],
      },
    ]);
    expect(proposer.id).toBe("openai:gpt-5");
    expect(server.calls).toHaveLength(1);
    expect(server.calls[0]!.body).toEqual({
      model: "gpt-5",
      input: [{ role: "user", content: [{ type: "input_text", text: "PROMPT\n```\n01 -> 1\n```" }] }],
      reasoning: { effort: "high" },
      max_output_tokens: 20000,
      tool_choice: "auto",
      tools: [{ type: "code_interpreter", container: { type: "auto" } }],
      text: { verbosity: "low" },
    });
    expect(server.calls[0]!.authorization).toBe("Bearer fake-openai-key");
    expect(proposal.text).toBe(answer(PROGRAMS.parity));
    expect(proposal.error).toBeUndefined();
    expect(proposal.usage).toEqual({
      input_tokens: 1234,
      output_tokens: 567,
      total_tokens: 1801,
      prompt_tokens: 1234,
      completion_tokens: 567,
      cached_tokens: 200,
      reasoning_tokens: 400,
    });
    expect(proposal.toolUses).toBe(2);
    expect(proposal.toolResultsChars).toBe(5);
    expect(proposal.meta?.response_id).toMatch(/^resp_/);
  });

  it("omits tools and verbosity when off, adds the json_schema format with --structured-output", async () => {
    const { server } = await propose([{ kind: "completed", text: "{}" }], {
      codeInterpreter: false,
      verbosity: undefined,
      structuredOutput: true,
      reasoningEffort: "xhigh",
      toolChoice: "none",
    });
    const body = server.calls[0]!.body;
    expect(body.tools).toBeUndefined();
    expect(body.reasoning).toEqual({ effort: "xhigh" });
    expect(body.tool_choice).toBe("none");
    expect(body.text).toEqual({
      format: {
        type: "json_schema",
        name: "program",
        strict: true,
        schema: {
          type: "object",
          properties: { code: { type: "string", description: "Python source defining the function f" } },
          required: ["code"],
          additionalProperties: false,
        },
      },
    });
  });

  it("records an incomplete response with its reason, and a failed one as an error", async () => {
    const inc = await propose([
      { kind: "incomplete", reason: "max_output_tokens", text: '{"code": "def f(' },
    ]);
    expect(inc.proposal.incompleteReason).toBe("max_output_tokens");
    expect(inc.proposal.text).toBe('{"code": "def f(');
    expect(inc.proposal.error).toBeUndefined();
    await server?.close();
    const failed = await propose([{ kind: "failed", code: "server_error", message: "boom" }]);
    expect(failed.proposal.error).toBe("response failed: server_error: boom");
  });

  it("retries 429 honouring retry-after-ms, 5xx and dropped connections, then succeeds", async () => {
    const { proposal, server, events } = await propose([
      { kind: "http_error", status: 429, retryAfterMs: "120" },
      { kind: "http_error", status: 503 },
      { kind: "drop" },
      { kind: "completed", text: answer(PROGRAMS.parity) },
    ]);
    expect(proposal.error).toBeUndefined();
    expect(server.calls).toHaveLength(4);
    expect(events.filter((e) => e.event === "retry").map((e) => e.fields.retry)).toEqual([1, 2, 3]);
    // Retry-After was honoured (capped at maxDelayMs 200): the second call came >= 120 ms after the first ended.
    expect(server.calls[1]!.startedAt - server.calls[0]!.endedAt!).toBeGreaterThanOrEqual(110);
    expect(events[0]!.fields.delayMs).toBe(120);
  });

  it("gives up after the cap and returns the error as the attempt's outcome", async () => {
    const { proposal, server } = await propose(() => ({
      kind: "http_error",
      status: 500,
      message: "overloaded",
    }));
    expect(server.calls).toHaveLength(4); // 1 + maxRetries 3
    expect(proposal.error).toMatch(/^HTTP 500: .*overloaded/);
    expect(proposal.text).toBe("");
  });

  it("does not retry a 400 and never puts the key in the error", async () => {
    const { proposal, server } = await propose([{ kind: "http_error", status: 400, message: "bad effort" }]);
    expect(server.calls).toHaveLength(1);
    expect(proposal.error).toMatch(/HTTP 400/);
    expect(proposal.error).not.toContain("sk-test");
  });

  it("records a per-call timeout as an error without retrying it", async () => {
    const { proposal, server } = await propose([{ kind: "completed", text: "{}", delayMs: 2000 }], {
      timeoutMs: 150,
    });
    expect(server.calls).toHaveLength(1);
    expect(proposal.error).toMatch(/timeout/);
  });

  it("background mode: creates with background, polls retrieve until completed", async () => {
    const { proposal, server } = await propose(
      [{ kind: "background", polls: 3, final: { kind: "completed", text: answer(PROGRAMS.parity) } }],
      { background: true },
    );
    expect(server.calls[0]!.body.background).toBe(true);
    expect(server.retrieves).toHaveLength(4);
    expect(proposal.text).toBe(answer(PROGRAMS.parity));
    expect(proposal.meta?.polls).toBe(4);
  });

  it("background mode: cancels the response when --timeout passes", async () => {
    const { proposal, server } = await propose(
      [{ kind: "background", polls: 10_000, final: { kind: "completed", text: "{}" } }],
      { background: true, timeoutMs: 120 },
    );
    expect(proposal.error).toMatch(/timeout: background response resp_\d+ still in_progress.*cancelled/);
    expect(server.cancels).toEqual([proposal.meta?.response_id]);
  });

  // Abort once the response exists on the server (it has been polled), not after a fixed delay: on a
  // loaded machine a timer could fire before the create call returned, leaving nothing to cancel. With
  // the server holding each retrieve for 400 ms, the abort lands inside the SDK's retrieve call rather
  // than between polls.
  it.each([
    { when: "between polls", retrieveDelayMs: 0 },
    { when: "while a poll is in flight", retrieveDelayMs: 400 },
  ])(
    "an abort $when rejects (nothing to record) and cancels the background response",
    async ({ retrieveDelayMs }) => {
      const ac = abortOnFirstRetrieve();
      await expect(
        propose(
          [{ kind: "background", polls: 10_000, final: { kind: "completed", text: "{}" } }],
          { background: true },
          ac.signal,
          { retrieveDelayMs },
        ),
      ).rejects.toThrow(/interrupted|abort/);
      expect(server!.cancels).toHaveLength(1);
    },
  );
});

describe("what a call that did not answer cost (--max-cost-usd, --max-tokens)", () => {
  const billed = {
    input_tokens: 1200,
    output_tokens: 3400,
    total_tokens: 4600,
    cached_tokens: 0,
    reasoning_tokens: 3000,
  };

  it("background timeout: the usage of the cancelled response is the call's usage", async () => {
    const { proposal, server } = await propose(
      [
        {
          kind: "background",
          polls: 10_000,
          final: { kind: "completed", text: "{}" },
          cancelledUsage: billed,
        },
      ],
      { background: true, timeoutMs: 120 },
    );
    expect(proposal.error).toMatch(/timeout: background response .* cancelled/);
    expect(server.cancels).toHaveLength(1);
    expect(proposal.usage).toEqual(reported(billed));
    expect(proposal.usageUnknown).toBeFalsy();
  });

  it("background timeout, no usage on the cancelled response: one retrieve asks again, then it is unknown", async () => {
    const { proposal, server } = await propose(
      [{ kind: "background", polls: 10_000, final: { kind: "completed", text: "{}" } }],
      { background: true, timeoutMs: 120 },
    );
    const id = String(proposal.meta?.response_id);
    expect(server.cancels).toEqual([id]);
    // the last retrieve comes after the cancel: the provider may know the usage by then
    expect(server.retrieves.at(-1)).toBe(id);
    expect(proposal.usage).toBeUndefined();
    expect(proposal.usageUnknown).toBe(true);
  });

  it("an abort of a background call rejects with CallAbortedError carrying the cancelled response's usage", async () => {
    const ac = abortOnFirstRetrieve();
    const err = await propose(
      [
        {
          kind: "background",
          polls: 10_000,
          final: { kind: "completed", text: "{}" },
          cancelledUsage: billed,
        },
      ],
      { background: true },
      ac.signal,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CallAbortedError);
    expect((err as CallAbortedError).usage).toEqual(reported(billed));
    expect(server!.cancels).toHaveLength(1);
  });

  it("an abort of a plain call mid-flight rejects with CallAbortedError and unknown usage", async () => {
    const ac = new AbortController();
    const watch = setInterval(() => {
      if ((server?.calls.length ?? 0) > 0) {
        clearInterval(watch);
        ac.abort(new Error("early stop"));
      }
    }, 5);
    onTestFinished(() => clearInterval(watch));
    const err = await propose([{ kind: "completed", text: "{}", delayMs: 2000 }], {}, ac.signal).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CallAbortedError);
    expect((err as CallAbortedError).usage).toBeUndefined();
  });

  it("a timeout, a dropped connection or a response without usage: unknown; an HTTP error: nothing billed", async () => {
    const timeout = await propose([{ kind: "completed", text: "{}", delayMs: 2000 }], { timeoutMs: 150 });
    expect(timeout.proposal.error).toMatch(/timeout/);
    expect(timeout.proposal.usageUnknown).toBe(true);
    await server?.close();
    const dropped = await propose(() => ({ kind: "drop" }));
    expect(dropped.proposal.error).toMatch(/connection/);
    expect(dropped.proposal.usageUnknown).toBe(true);
    await server?.close();
    const noUsage = await propose([{ kind: "completed", text: "{}", noUsage: true }]);
    expect(noUsage.proposal.error).toBeUndefined();
    expect(noUsage.proposal.usageUnknown).toBe(true);
    expect(noUsage.proposal.usage).toBeUndefined();
    await server?.close();
    const rejected = await propose([{ kind: "http_error", status: 400, message: "bad effort" }]);
    expect(rejected.proposal.error).toMatch(/HTTP 400/);
    expect(rejected.proposal.usageUnknown).toBeFalsy();
    await server?.close();
    const failed = await propose([{ kind: "failed", code: "server_error", message: "boom" }]);
    expect(failed.proposal.usage?.total_tokens).toBe(1500); // a failed response reports its usage
    expect(failed.proposal.usageUnknown).toBeFalsy();
  });
});
