import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normaliseUsage } from "../../src/proposer/openai-usage.js";
import { CallAbortedError, type Proposal } from "../../src/proposer/proposer.js";
import { Budget } from "../../src/runner/budget.js";
import { type BudgetedCallDeps, budgetedCall } from "../../src/runner/budgeted-call.js";
import type { UnrecordedCall } from "../../src/runner/grid-types.js";
import { captureLogger } from "../helpers/fakes.js";

const price = { input: 1, output: 10 }; // USD / 1M tokens
const usage = normaliseUsage({ input_tokens: 1000, output_tokens: 500 });
const answer: Proposal = { text: "t", durationMs: 1, usage };
const req = (stopped = false) => ({
  attempt: 3,
  inputTokens: 1000,
  log: { fn: "fn_a", length: 8 },
  stopped: () => stopped,
});

function setup(budget = new Budget({ price, maxOutputTokens: 10_000 })) {
  const cut: UnrecordedCall[] = [];
  const logger = captureLogger();
  const deps: BudgetedCallDeps = {
    budget,
    logger,
    proposer: "fake",
    fingerprint: "fp",
    onUnrecordedCall: (c) => {
      cut.push(c);
    },
  };
  return { deps, budget, cut, logger };
}

describe("budgeted call", () => {
  it("an answer settles its reservation at what it used", async () => {
    const { deps, budget } = setup();
    const r = await budgetedCall(req(), async () => answer, deps);
    expect(r).toEqual({ kind: "answer", proposal: answer, spend: { costUsd: 0.006 } });
    expect(budget.spent).toEqual({ usd: 0.006, tokens: 1500 });
  });

  it("an answer of unknown usage keeps the worst case spent, marked as an estimate", async () => {
    const { deps, budget } = setup();
    const r = await budgetedCall(
      req(),
      async () => ({ ...answer, usage: undefined, usageUnknown: true }),
      deps,
    );
    expect(r).toMatchObject({ kind: "answer", spend: { costUsd: 0.101, estimatedTokens: 11_000 } });
    expect(budget.spent.tokens).toBe(11_000);
  });

  it("does not start a call that does not fit; the budget is then exhausted", async () => {
    const { deps, budget, logger } = setup(new Budget({ maxTokens: 5000, maxOutputTokens: 10_000 }));
    let called = false;
    const r = await budgetedCall(
      req(),
      async () => {
        called = true;
        return answer;
      },
      deps,
    );
    expect(r).toEqual({ kind: "skipped" });
    expect(called).toBe(false);
    expect(budget.exhausted).toBe(true);
    expect(logger.lines.map((l) => l.msg)).toEqual(["budget: not starting a call that could exceed it"]);
  });

  it("no more candidates: nothing spent", async () => {
    const { deps, budget } = setup();
    expect(await budgetedCall(req(), async () => null, deps)).toEqual({ kind: "no_more" });
    expect(budget.spent).toEqual({ usd: 0, tokens: 0 });
  });

  it("a cut call counts the usage the provider reported, else its reservation, and is reported", async () => {
    const { deps, budget, cut } = setup();
    const withUsage = await budgetedCall(
      req(),
      async () => {
        throw new CallAbortedError(new Error("early stop"), usage, "resp_9");
      },
      deps,
    );
    expect(withUsage).toEqual({ kind: "cut", usage, costUsd: 0.006 });
    const unknown = await budgetedCall(
      req(),
      async () => {
        throw new CallAbortedError(new Error("early stop"), undefined);
      },
      deps,
    );
    expect(unknown).toEqual({ kind: "cut", usage: null, costUsd: 0.101 });
    expect(budget.spent.tokens).toBe(1500 + 11_000);
    expect(cut).toMatchObject([
      {
        fn: "fn_a",
        length: 8,
        attempt: 3,
        proposer: "fake",
        config_fingerprint: "fp",
        response_id: "resp_9",
      },
      { usage: null, cost_usd: 0.101, estimated_tokens: 11_000 },
    ]);
    expect(cut[1]).not.toHaveProperty("response_id");
  });

  it("any other failure is thrown, unless the grid point was stopped; its reservation is released", async () => {
    const { deps, budget } = setup();
    const boom = async (): Promise<Proposal> => {
      throw new Error("boom");
    };
    await expect(budgetedCall(req(), boom, deps)).rejects.toThrow("boom");
    expect(await budgetedCall(req(true), boom, deps)).toEqual({ kind: "skipped" });
    expect(budget.spent).toEqual({ usd: 0, tokens: 0 });
  });

  it("whatever the calls do, each spends what it used (or its estimate) and nothing stays reserved", async () => {
    const outcome = fc.constantFrom("answer", "unknown", "none", "cut", "cut-unknown", "error");
    await fc.assert(
      fc.asyncProperty(fc.array(outcome, { maxLength: 8 }), async (outcomes) => {
        const budget = new Budget({ maxTokens: 1_000_000, maxOutputTokens: 10_000 });
        const { deps } = setup(budget);
        let expected = 0;
        for (const o of outcomes) {
          const run = budgetedCall(
            req(),
            async (): Promise<Proposal | null> => {
              if (o === "answer") return answer;
              if (o === "unknown") return { ...answer, usage: undefined, usageUnknown: true };
              if (o === "none") return null;
              if (o === "cut") throw new CallAbortedError("x", usage);
              if (o === "cut-unknown") throw new CallAbortedError("x", undefined);
              throw new Error("boom");
            },
            deps,
          );
          await run.catch(() => undefined);
          if (o === "answer" || o === "cut") expected += 1500;
          if (o === "unknown" || o === "cut-unknown") expected += 11_000;
        }
        expect(budget.spent.tokens).toBe(expected);
        // A reservation of exactly the room left fits only if no call left anything reserved.
        expect(budget.tryReserve(1_000_000 - expected - 10_000)).not.toBeNull();
      }),
    );
  });
});
