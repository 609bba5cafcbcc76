import { afterEach, describe, expect, it } from "vitest";
import { createOpenAIProposer, type OpenAIProposerOptions } from "../../src/proposer/openai-proposer.js";
import { PAPER_REQUEST_DEFAULTS } from "../../src/proposer/openai-request.js";
import type { Proposal } from "../../src/proposer/proposer.js";
import { type Reply, type ResponsesServer, startResponsesServer } from "../helpers/responses-server.js";

let server: ResponsesServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const FLEX_429: Reply = { kind: "http_error", status: 429, message: "Resource Unavailable: flex capacity" };
const OK: Reply = { kind: "completed", text: '{"code": "def f(x): return 0"}' };

async function ask(script: (index: number) => Reply, over: Partial<OpenAIProposerOptions>) {
  server = await startResponsesServer({ script: ({ index }) => script(index) });
  const events: string[] = [];
  const proposer = createOpenAIProposer({
    apiKey: "fake-openai-key",
    baseURL: server.url,
    ...PAPER_REQUEST_DEFAULTS,
    timeoutMs: 5000,
    retry: { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 20 },
    onEvent: (e) => events.push(e),
    ...over,
  });
  const p = (await proposer
    .open({
      gridPoint: { fn: "fn_a", length: 20, trial: 2 },
      prompt: "PROMPT",
      train: [],
      attemptsDone: 0,
      signal: new AbortController().signal,
    })
    .next(1)) as Proposal;
  return { p, events, bodies: server.calls.map((c) => c.body) };
}

describe("--service-tier, --flex-fallback and --prompt-cache (openai)", () => {
  it("sends service_tier and a prompt_cache_key per grid point, and prices a flex answer as flex", async () => {
    const { p, bodies } = await ask(() => OK, { serviceTier: "flex", promptCache: true });
    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toMatchObject({ service_tier: "flex", prompt_cache_key: "llm-erm-fn_a-L20" });
    expect(p.pricingMode).toBe("flex");
    expect(p.meta).toMatchObject({ service_tier_requested: "flex", service_tier: "flex" });
  });

  it("the paper's request carries neither without the flags", async () => {
    const { p, bodies } = await ask(() => OK, {});
    expect(bodies[0]).not.toHaveProperty("service_tier");
    expect(bodies[0]).not.toHaveProperty("prompt_cache_key");
    expect(p.pricingMode).toBe("standard");
  });

  it("flex refused for capacity, fallback auto: sent again at once with service_tier auto, priced standard", async () => {
    const { p, bodies, events } = await ask((i) => (i === 0 ? FLEX_429 : OK), { serviceTier: "flex" });
    expect(bodies.map((b) => b.service_tier)).toEqual(["flex", "auto"]);
    expect(events).toContain("flex_fallback");
    expect(p.error).toBeUndefined();
    expect(p.pricingMode).toBe("standard");
    expect(p.meta).toMatchObject({ flex_fallback: "auto", service_tier: "auto" });
  });

  it("fallback retry: flex again with backoff; fallback fail: the attempt fails after one call", async () => {
    const retried = await ask((i) => (i < 2 ? FLEX_429 : OK), { serviceTier: "flex", flexFallback: "retry" });
    expect(retried.bodies.map((b) => b.service_tier)).toEqual(["flex", "flex", "flex"]);
    expect(retried.p.pricingMode).toBe("flex");
    const failed = await ask(() => FLEX_429, { serviceTier: "flex", flexFallback: "fail" });
    expect(failed.bodies).toHaveLength(1);
    expect(failed.p.error).toMatch(/HTTP 429: .*Resource Unavailable/);
  });

  it("a plain rate limit (429 without resource unavailable) is retried as before, even on flex", async () => {
    const { bodies, p } = await ask(
      (i) => (i === 0 ? { kind: "http_error", status: 429, message: "Rate limit" } : OK),
      {
        serviceTier: "flex",
        flexFallback: "fail",
      },
    );
    expect(bodies.map((b) => b.service_tier)).toEqual(["flex", "flex"]);
    expect(p.error).toBeUndefined();
  });
});
