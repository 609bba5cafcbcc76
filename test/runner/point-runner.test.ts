import pLimit from "p-limit";
import { describe, expect, it } from "vitest";
import type { AttemptRecord } from "../../src/artifacts/attempt-record.js";
import { normaliseUsage } from "../../src/proposer/openai-usage.js";
import type { Proposal, Proposer } from "../../src/proposer/proposer.js";
import { Budget } from "../../src/runner/budget.js";
import type { GridRunDeps } from "../../src/runner/grid-types.js";
import { estimateInputTokens, runGridPoint } from "../../src/runner/point-runner.js";
import { ProgressTracker } from "../../src/runner/progress-tracker.js";
import { captureLogger, fakeExtract, fakeParityTask, fakeSplits, fakeVerifier } from "../helpers/fakes.js";

const parity = (x: string) => [...x].filter((c) => c === "1").length % 2;
const text = (name: string) => JSON.stringify({ code: `# MARK:${name}\ndef f(x): ...` });
const point = { fn: "fn_a", length: 8 };

/** A proposer answering `texts` in order, then nothing. */
function listProposer(texts: string[]): Proposer & { asked: number[] } {
  const asked: number[] = [];
  return {
    id: "fake",
    asked,
    open: () => ({
      next: async (attempt: number): Promise<Proposal | null> => {
        asked.push(attempt);
        const t = texts[asked.length - 1];
        if (t === undefined) return null;
        return { text: t, durationMs: 1, usage: normaliseUsage({ input_tokens: 10, output_tokens: 5 }) };
      },
    }),
  };
}

function setup(texts: string[], over: Partial<GridRunDeps> = {}, attempts = 4, batch = 1) {
  const appended: AttemptRecord[] = [];
  const logger = captureLogger();
  const proposer = listProposer(texts);
  const deps: GridRunDeps = {
    proposer,
    verifier: fakeVerifier({ right: parity, wrong: () => 0 }),
    extractCode: fakeExtract,
    prepare: async () => ({ task: fakeParityTask, splits: fakeSplits(8), prompt: "P".repeat(40) }),
    append: (r) => {
      appended.push(r);
    },
    prior: [],
    budget: new Budget({ maxOutputTokens: 100 }),
    logger,
    signal: new AbortController().signal,
    ...over,
  };
  const opts = {
    points: [point],
    attempts,
    concurrency: 1,
    batch,
    testSelectedOnly: false,
    fingerprint: "fp",
  };
  const tracker = new ProgressTracker({ pointsTotal: 1, attemptsPerPoint: attempts, now: () => 0 });
  const ctx = { opts, deps, callLimit: pLimit(1), tracker, now: () => 0 };
  return { ctx, appended, logger, proposer, tracker };
}

const msgs = (logger: ReturnType<typeof captureLogger>) => logger.lines.map((l) => l.msg);

describe("grid-point runner", () => {
  it("asks until validation 1.0, then stops early and logs the selection", async () => {
    const { ctx, appended, logger, proposer, tracker } = setup([text("wrong"), text("bad"), text("right")]);
    const records: AttemptRecord[] = [];
    expect(await runGridPoint(point, records, new Map(), ctx)).toBeUndefined();
    expect(proposer.asked).toEqual([1, 2, 3]);
    expect(appended.map((r) => [r.attempt, r.outcome, r.val_acc])).toEqual([
      [1, "ok", 0.5],
      [2, "syntax_error", 0],
      [3, "ok", 1],
    ]);
    expect(records).toEqual(appended);
    expect(msgs(logger)).toEqual([
      "attempt",
      "attempt",
      "attempt",
      "early stop: validation accuracy 1.0",
      "grid point done (ERM selection)",
    ]);
    expect(tracker.snapshot()).toMatchObject({ pointsDone: 1, solved: 1, calls: 3, attempts: 3, active: [] });
  });

  it("a proposer with nothing more ends the point, counted done", async () => {
    const { ctx, logger, proposer, tracker } = setup([text("wrong")]);
    await runGridPoint(point, [], new Map(), ctx);
    expect(proposer.asked).toEqual([1, 2]);
    expect(msgs(logger)).toContain("proposer has no more candidates");
    expect(tracker.snapshot().pointsDone).toBe(1);
  });

  it("a point already done is counted without preparing its data or asking", async () => {
    let prepared = 0;
    const prepare = async () => {
      prepared++;
      return { task: fakeParityTask, splits: fakeSplits(8), prompt: "P" };
    };
    const { ctx, logger, proposer, tracker } = setup([], { prepare });
    const done = { fn: "fn_a", length: 8, attempt: 1, val_acc: 1, train_acc: 1 } as AttemptRecord;
    await runGridPoint(point, [done], new Map(), ctx);
    expect(prepared).toBe(0);
    expect(proposer.asked).toEqual([]);
    expect(msgs(logger)).toEqual(["resume: grid point already done"]);
    expect(tracker.snapshot()).toMatchObject({ pointsDone: 1, solved: 1, recent: [] });
  });

  it("data that cannot be prepared: the point is skipped and returned as failed", async () => {
    const prepare = async () => {
      throw new Error("no dataset");
    };
    const { ctx, logger } = setup([], { prepare });
    expect(await runGridPoint(point, [], new Map(), ctx)).toEqual({ point, error: "no dataset" });
    expect(msgs(logger)).toEqual(["grid point skipped: preparing its data failed"]);
  });

  it("an exhausted budget starts nothing; the point is not counted done", async () => {
    const budget = new Budget({ maxTokens: 10, maxOutputTokens: 100 });
    const { ctx, proposer, tracker } = setup([text("right")], { budget });
    await runGridPoint(point, [], new Map(), ctx);
    expect(proposer.asked).toEqual([]);
    expect(budget.exhausted).toBe(true);
    expect(tracker.snapshot().pointsDone).toBe(0);
  });

  it("reserves the prompt's estimate, or the largest input seen", () => {
    expect(estimateInputTokens("x".repeat(41))).toBe(21);
  });
});
