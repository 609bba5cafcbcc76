import { afterEach, describe, expect, it } from "vitest";
import type { AttemptRecord } from "../../src/artifacts/attempt-record.js";
import { worstCaseCost } from "../../src/proposer/openai-pricing.js";
import { createOpenAIProposer } from "../../src/proposer/openai-proposer.js";
import { PAPER_REQUEST_DEFAULTS } from "../../src/proposer/openai-request.js";
import type { Usage } from "../../src/proposer/proposer.js";
import { Budget } from "../../src/runner/budget.js";
import { estimateInputTokens, runGrid, type UnrecordedCall } from "../../src/runner/grid-runner.js";
import { captureLogger, fakeExtract, fakeSplits, fakeVerifier } from "../helpers/fakes.js";
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

// The real SDK over real HTTP against the loopback server; verification is the fake (MARK: programs).
const parity = (x: string) => [...x].filter((c) => c === "1").length % 2;
const program = (name: "right" | "wrong") => JSON.stringify({ code: `# MARK:${name}\ndef f(x): ...` });
const PROMPT = "prompt fn_a";
const MAX_OUT = 1000;
const PRICE = { input: 1, output: 10 };
// What one call reserves: the input estimate uncached plus every allowed output token.
const RESERVED_TOKENS = estimateInputTokens(PROMPT) + MAX_OUT;
const RESERVED_USD = worstCaseCost(estimateInputTokens(PROMPT), MAX_OUT, PRICE);

let server: ResponsesServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function run(opts: {
  script: (index: number) => Reply;
  attempts: number;
  batch?: number;
  budget: Budget;
  timeoutMs?: number;
  background?: boolean;
}) {
  server = await startResponsesServer({ script: ({ index }) => opts.script(index) });
  const proposer = createOpenAIProposer({
    apiKey: "fake-openai-key",
    baseURL: server.url,
    ...PAPER_REQUEST_DEFAULTS,
    maxOutputTokens: MAX_OUT,
    timeoutMs: opts.timeoutMs ?? 5000,
    background: opts.background ?? false,
    pollIntervalMs: 10,
    retry: { maxRetries: 0, baseDelayMs: 5, maxDelayMs: 10 },
  });
  const appended: AttemptRecord[] = [];
  const unrecorded: UnrecordedCall[] = [];
  const batch = opts.batch ?? 1;
  const result = await runGrid(
    {
      points: [{ fn: "fn_a", length: 8 }],
      attempts: opts.attempts,
      concurrency: batch,
      batch,
      testSelectedOnly: false,
      fingerprint: "fp",
    },
    {
      proposer,
      verifier: fakeVerifier({ right: parity, wrong: () => 0 }),
      extractCode: fakeExtract,
      prepare: async () => ({ splits: fakeSplits(8), prompt: PROMPT }),
      append: (r) => {
        appended.push(r);
      },
      prior: [],
      budget: opts.budget,
      logger: captureLogger(),
      signal: new AbortController().signal,
      onUnrecordedCall: (c) => {
        unrecorded.push(c);
      },
    },
  );
  return { result, appended, unrecorded, server };
}

describe("calls that did not answer count what they may have cost", () => {
  it("a timed-out call keeps its reservation as spent: calls that time out cannot overrun --max-tokens", async () => {
    // Room for two worst cases, not three: the third call must not start.
    const budget = new Budget({
      maxOutputTokens: MAX_OUT,
      maxTokens: Math.floor(2.5 * RESERVED_TOKENS),
      price: PRICE,
    });
    const { result, appended, server } = await run({
      script: () => ({ kind: "completed", text: program("wrong"), delayMs: 1500 }),
      attempts: 3,
      budget,
      timeoutMs: 150,
    });
    expect(server.calls).toHaveLength(2);
    expect(result.status).toBe("budget");
    expect(budget.spent.tokens).toBe(2 * RESERVED_TOKENS);
    expect(budget.spent.usd).toBeCloseTo(2 * RESERVED_USD, 12);
    expect(appended).toHaveLength(2);
    for (const r of appended) {
      expect(r.error).toMatch(/timeout/);
      expect(r).toMatchObject({ spend_estimated: true, estimated_tokens: RESERVED_TOKENS });
      expect(r.cost_usd).toBeCloseTo(RESERVED_USD, 12);
      expect(r.usage.total_tokens).toBe(0); // nothing reported: the estimate is beside, not in, the usage
    }
  });

  it("--batch: a plain call cancelled by the early stop counts its reservation", async () => {
    const budget = new Budget({ maxOutputTokens: MAX_OUT, price: PRICE });
    const { result, appended, unrecorded, server } = await run({
      // the first call to arrive answers (after 300 ms: the other is sent by then) with a program that
      // validates 1.0; the other is slow
      script: (i) =>
        i === 0
          ? { kind: "completed", text: program("right"), delayMs: 300 }
          : { kind: "completed", text: program("wrong"), delayMs: 3000 },
      attempts: 2,
      batch: 2,
      budget,
    });
    expect(server.calls).toHaveLength(2);
    expect(result.status).toBe("completed");
    expect(appended).toHaveLength(1);
    expect(appended[0]).toMatchObject({ val_acc: 1, stopped_early: true });
    expect(appended[0]!.spend_estimated).toBeUndefined();
    expect(budget.spent.tokens).toBe(1500 + RESERVED_TOKENS);
    expect(unrecorded).toHaveLength(1);
    expect(unrecorded[0]).toMatchObject({
      fn: "fn_a",
      length: 8,
      usage: null,
      estimated_tokens: RESERVED_TOKENS,
      config_fingerprint: "fp",
    });
    expect(unrecorded[0]!.cost_usd).toBeCloseTo(RESERVED_USD, 12);
  });

  it("--batch --background: a response cancelled by the early stop counts the usage it reports", async () => {
    const billed = {
      input_tokens: 700,
      output_tokens: 200,
      total_tokens: 900,
      cached_tokens: 0,
      reasoning_tokens: 150,
    };
    const budget = new Budget({ maxOutputTokens: MAX_OUT, price: PRICE });
    const { appended, unrecorded, server } = await run({
      script: (i) =>
        i === 0
          ? { kind: "background", polls: 20, final: { kind: "completed", text: program("right") } }
          : {
              kind: "background",
              polls: 10_000,
              final: { kind: "completed", text: program("wrong") },
              cancelledUsage: billed,
            },
      attempts: 2,
      batch: 2,
      budget,
      background: true,
    });
    expect(server.cancels).toHaveLength(1);
    expect(appended).toHaveLength(1);
    expect(budget.spent.tokens).toBe(1500 + 900);
    expect(unrecorded).toHaveLength(1);
    expect(unrecorded[0]!.usage).toEqual(reported(billed));
    expect(unrecorded[0]!.estimated_tokens).toBeUndefined();
    expect(unrecorded[0]!.response_id).toBe(server.cancels[0]);
    expect(unrecorded[0]!.cost_usd).toBeCloseTo((700 * 1 + 200 * 10) / 1e6, 12);
  });
});
