import { describe, expect, it } from "vitest";
import type { AnswerRecord } from "../../src/artifacts/answer-record.js";
import { type AttemptRecord, toCsvRow } from "../../src/artifacts/attempt-record.js";
import type { GridPoint } from "../../src/core/grid.js";
import { normaliseUsage } from "../../src/proposer/openai-usage.js";
import type { Proposal, Proposer } from "../../src/proposer/proposer.js";
import { Budget } from "../../src/runner/budget.js";
import {
  type GridRunDeps,
  type GridRunOptions,
  type ProgressState,
  runGrid,
} from "../../src/runner/grid-runner.js";
import { captureLogger, fakeExtract, fakeSplits, fakeVerifier } from "../helpers/fakes.js";

const parity = (x: string) => [...x].filter((c) => c === "1").length % 2;
const PROGRAMS = {
  right: parity,
  wrong: () => 0,
  // parity except on strings ending in 011: 0.9 on train, 0.8 on val, 0.9 on test (fakeSplits)
  almost: (x: string) => (x.endsWith("011") ? 1 - parity(x) : parity(x)),
};
const text = (name: string) => JSON.stringify({ code: `# MARK:${name}\ndef f(x): ...` });

/** A proposer serving `script[fn][k]` for the k-th call of a grid point, after `delayMs`. */
function scriptedProposer(script: Record<string, string[]>, delayMs = 5) {
  const state = {
    inFlight: 0,
    maxInFlight: 0,
    calls: [] as { fn: string; attemptsDone: number }[],
    aborted: 0,
  };
  const proposer: Proposer = {
    id: "fake",
    open(ctx) {
      let k = ctx.attemptsDone;
      return {
        async next(): Promise<Proposal | null> {
          const list = script[ctx.gridPoint.fn] ?? [];
          if (k >= list.length) return null;
          const t = list[k++]!;
          state.calls.push({ fn: ctx.gridPoint.fn, attemptsDone: ctx.attemptsDone });
          state.inFlight++;
          state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
          try {
            await new Promise<void>((resolve, reject) => {
              const onAbort = () => {
                clearTimeout(timer);
                state.aborted++;
                reject(new Error("aborted"));
              };
              const timer = setTimeout(() => {
                ctx.signal.removeEventListener("abort", onAbort);
                resolve();
              }, delayMs);
              ctx.signal.addEventListener("abort", onAbort);
            });
          } finally {
            state.inFlight--;
          }
          return {
            text: t,
            durationMs: delayMs,
            usage: normaliseUsage({ input_tokens: 100, output_tokens: 50 }),
          };
        },
      };
    },
  };
  return { proposer, state };
}

function setup(
  points: GridPoint[],
  script: Record<string, string[]>,
  over: Partial<GridRunOptions> = {},
  prior: AttemptRecord[] = [],
  delayMs = 5,
) {
  const { proposer, state } = scriptedProposer(script, delayMs);
  const verifier = fakeVerifier(PROGRAMS);
  const appended: AttemptRecord[] = [];
  const logger = captureLogger();
  const opts: GridRunOptions = {
    points,
    attempts: 5,
    concurrency: 5,
    batch: 1,
    testSelectedOnly: false,
    fingerprint: "fp1",
    ...over,
  };
  const run = (
    signal = new AbortController().signal,
    budget = new Budget({ maxOutputTokens: 100 }),
    extra: Partial<GridRunDeps> = {},
  ) =>
    runGrid(opts, {
      proposer,
      verifier,
      extractCode: fakeExtract,
      prepare: async (p) => ({
        splits: fakeSplits(p.length),
        prompt: `prompt ${p.fn}`,
      }),
      append: (r) => {
        appended.push(r);
      },
      prior,
      budget,
      logger,
      signal,
      ...extra,
    });
  return { run, state, verifier, appended, logger };
}

const pts = (...fns: string[]): GridPoint[] => fns.map((fn) => ({ fn, length: 8 }));

describe("runGrid", () => {
  it("stops a grid point early at validation accuracy 1.0 and selects by ERM", async () => {
    const { run, appended, state } = setup(pts("fn_a"), {
      fn_a: [text("wrong"), text("almost"), text("right"), text("wrong")],
    });
    const res = await run();
    expect(res.status).toBe("completed");
    expect(appended.map((r) => [r.attempt, r.val_acc === 1, r.stopped_early])).toEqual([
      [1, false, false],
      [2, false, false],
      [3, true, true],
    ]);
    expect(state.calls).toHaveLength(3); // attempt 4 never asked
    expect(appended[2]!.test_acc).toBe(1);
    expect(appended.every((r) => r.proposer === "fake" && r.config_fingerprint === "fp1")).toBe(true);
  });

  it("records every outcome: no code, a compile error, scores for train/val/test", async () => {
    const { run, appended } = setup(
      pts("fn_a"),
      { fn_a: ["no json here", text("unknown"), text("wrong")] },
      { attempts: 3 },
    );
    await run();
    expect(appended.map((r) => r.outcome)).toEqual(["no_code_found", "syntax_error", "ok"]);
    expect(appended[0]!.compile_error).toMatch(/^no_code_found/);
    expect(appended[1]!.compile_error).toBe("syntax_error: invalid syntax");
    expect(appended[2]).toMatchObject({ val_acc: 0.5, compile_error: "" });
  });

  it("records how each split ended: a test split that timed out keeps val's score in the record", async () => {
    const { run, appended } = setup(pts("fn_a"), { fn_a: [text("right")] }, { attempts: 1 });
    const slowOnTest: GridRunDeps["verifier"] = {
      protections: {},
      async verify(job) {
        const score = (n: number, correct: number) => ({
          correct,
          total: n,
          accuracy: correct / n,
          exceptions: 0,
        });
        return {
          kind: "timeout",
          message: "wall clock limit of 20000 ms exceeded in test after 3/20 inputs answered",
          scores: {
            train: score(job.splits.train!.length, job.splits.train!.length),
            val: score(job.splits.val!.length, job.splits.val!.length),
            test: score(job.splits.test!.length, 0),
          },
          splitOutcomes: {
            train: { kind: "ok", message: "" },
            val: { kind: "ok", message: "" },
            test: {
              kind: "timeout",
              message: "wall clock limit of 20000 ms exceeded in test after 3/20 inputs answered",
            },
          },
          durationMs: 1,
        };
      },
      async close() {},
    };
    await run(undefined, undefined, { verifier: slowOnTest });
    expect(appended[0]).toMatchObject({ outcome: "timeout", val_acc: 1, test_acc: 0, schema_version: 3 });
    expect(appended[0]!.split_outcomes).toEqual({
      train: { kind: "ok", message: "" },
      val: { kind: "ok", message: "" },
      test: {
        kind: "timeout",
        message: "wall clock limit of 20000 ms exceeded in test after 3/20 inputs answered",
      },
    });
    expect(toCsvRow(appended[0]!).split_outcomes).toBe("train=ok val=ok test=timeout");
  });

  it("runs grid points concurrently up to --concurrency calls in flight", async () => {
    const many = pts("p1", "p2", "p3", "p4", "p5", "p6");
    const script = Object.fromEntries(many.map((p) => [p.fn, [text("wrong"), text("wrong")]]));
    const a = setup(many, script, { concurrency: 6, attempts: 2 });
    await a.run();
    expect(a.state.maxInFlight).toBe(6);
    const b = setup(many, script, { concurrency: 2, attempts: 2 });
    await b.run();
    expect(b.state.maxInFlight).toBe(2);
    expect(b.state.calls).toHaveLength(12);
  });

  it("--batch draws b candidates at once and cancels the rest on early stop", async () => {
    const { run, appended, state } = setup(
      pts("fn_a"),
      { fn_a: [text("wrong"), text("wrong"), text("right"), text("wrong"), text("wrong")] },
      { batch: 5 },
    );
    const res = await run();
    expect(state.maxInFlight).toBe(5);
    expect(res.records.map((r) => r.attempt)).toEqual([1, 2, 3]);
    expect(appended.find((r) => r.stopped_early)?.attempt).toBe(3);
    // the 4th and 5th calls were in flight at the early stop: cancelled, not recorded
    expect(state.aborted).toBe(2);
    expect(appended).toHaveLength(3);
  });

  it("resumes: re-asks nothing already recorded and continues the session after it", async () => {
    const first = setup(
      pts("fn_a", "fn_b"),
      { fn_a: [text("wrong"), text("wrong"), text("right")], fn_b: [text("wrong"), text("wrong")] },
      { attempts: 2 },
    );
    await first.run();
    expect(first.appended).toHaveLength(4);
    const second = setup(
      pts("fn_a", "fn_b"),
      {
        fn_a: [text("wrong"), text("wrong"), text("right")],
        fn_b: [text("wrong"), text("wrong"), text("wrong")],
      },
      { attempts: 3 },
      first.appended,
    );
    const res = await second.run();
    expect(second.state.calls).toEqual([
      { fn: "fn_a", attemptsDone: 2 },
      { fn: "fn_b", attemptsDone: 2 },
    ]);
    expect(second.appended.map((r) => [r.fn, r.attempt])).toEqual([
      ["fn_a", 3],
      ["fn_b", 3],
    ]);
    expect(res.records).toHaveLength(6);
    // a third run has nothing to do
    const third = setup(pts("fn_a", "fn_b"), {}, { attempts: 3 }, res.records);
    await third.run();
    expect(third.state.calls).toHaveLength(0);
  });

  it("passes each call the attempt number it is for: a resume with a hole asks for the missing attempts", async () => {
    const first = setup(
      pts("fn_a"),
      { fn_a: [text("wrong"), text("wrong"), text("wrong")] },
      { attempts: 3 },
    );
    await first.run();
    const prior = first.appended.filter((r) => r.attempt !== 2); // attempt 2 was lost (e.g. cancelled)
    const asked: (number | undefined)[] = [];
    const proposer: Proposer = {
      id: "fake",
      open: () => ({
        next: async (attempt?: number) => {
          asked.push(attempt);
          return { text: text("wrong"), durationMs: 1 };
        },
      }),
    };
    const { run } = setup(pts("fn_a"), {}, { attempts: 4, concurrency: 2, batch: 2 }, prior);
    const res = await run(undefined, undefined, { proposer });
    expect(asked).toEqual([2, 4]);
    expect(res.records.map((r) => r.attempt).sort()).toEqual([1, 2, 3, 4]);
  });

  it("reports each grid point in flight (phase, attempt, best val) and the finished ones", async () => {
    const { proposer } = scriptedProposer({ fn_a: [text("almost"), text("right")], fn_b: [text("wrong")] });
    const states: ProgressState[] = [];
    const { run } = setup(pts("fn_a", "fn_b"), {}, { attempts: 2, concurrency: 1 });
    await run(undefined, undefined, { proposer, onProgress: (st) => states.push(st) });
    const seen = (fn: string) => states.flatMap((st) => st.active.filter((a) => a.fn === fn));
    const phases = new Set(seen("fn_a").map((a) => a.phase));
    expect(phases).toEqual(new Set(["waiting", "proposing", "verifying"]));
    expect(seen("fn_a").some((a) => a.attempt === 2 && a.bestVal === 0.8)).toBe(true);
    // "waiting" means before the first call or between recorded attempts, never a call's hand-off to the sandbox
    for (const a of [...seen("fn_a"), ...seen("fn_b")]) {
      if (a.phase === "waiting") expect(a.attempt === 0 || a.bestVal !== null).toBe(true);
    }
    const last = states.at(-1)!;
    expect(last.active).toEqual([]);
    expect(last.recent.map((f) => [f.fn, f.solved, f.attempts, f.selectedAttempt])).toEqual(
      expect.arrayContaining([
        ["fn_a", true, 2, 2],
        ["fn_b", false, 1, 1],
      ]),
    );
  });

  it("a budget stops new calls cleanly and reports it", async () => {
    const { run, appended } = setup(pts("fn_a"), { fn_a: Array(5).fill(text("wrong")) });
    // each call reserves ceil(len("prompt fn_a")/2)=6 + 100 tokens; real use 150
    const res = await run(new AbortController().signal, new Budget({ maxTokens: 350, maxOutputTokens: 100 }));
    expect(res.status).toBe("budget");
    expect(appended).toHaveLength(2);
  });

  it("an interrupt stops new calls, cancels those in flight and records nothing for them", async () => {
    const ac = new AbortController();
    const { run, appended, state } = setup(
      pts("fn_a", "fn_b"),
      { fn_a: Array(5).fill(text("wrong")), fn_b: Array(5).fill(text("wrong")) },
      {},
      [],
      60,
    );
    setTimeout(() => ac.abort(new Error("SIGINT")), 90); // mid second attempt of both points
    const res = await run(ac.signal);
    expect(res.status).toBe("interrupted");
    expect(state.aborted).toBeGreaterThan(0);
    expect(appended.length).toBeLessThan(10);
    expect(appended.length).toBe(state.calls.length - state.aborted);
  });

  it("--test-selected-only scores test once, for the selected attempt, as a newer record", async () => {
    const { run, appended, verifier } = setup(
      pts("fn_a"),
      { fn_a: [text("wrong"), text("almost"), text("wrong")] },
      { attempts: 3, testSelectedOnly: true },
    );
    const res = await run();
    expect(appended.slice(0, 3).every((r) => r.test_acc === null)).toBe(true);
    expect(appended[3]).toMatchObject({ attempt: 2, test_scored_later: true });
    expect(appended[3]!.test_acc).toBe(0.9);
    expect(verifier.jobs.filter((j) => j.splits.test !== undefined)).toHaveLength(1);
    expect(res.records.find((r) => r.attempt === 2)?.test_acc).toBe(appended[3]!.test_acc);
  });

  it("a grid point whose data cannot be prepared fails with a clear error; the others run", async () => {
    const { run, appended, logger, state } = setup(pts("fn_a", "fn_b"), {
      fn_a: [text("right")],
      fn_b: [text("right")],
    });
    const res = await run(undefined, undefined, {
      prepare: async (p) => {
        if (p.fn === "fn_b") throw new Error("cannot generate the dataset of fn_b L=8: sampler exploded");
        return { splits: fakeSplits(p.length), prompt: `prompt ${p.fn}` };
      },
    });
    expect(res.status).toBe("failed");
    expect(res.failedPoints).toEqual([
      {
        point: { fn: "fn_b", length: 8 },
        error: "cannot generate the dataset of fn_b L=8: sampler exploded",
      },
    ]);
    expect(appended.map((r) => r.fn)).toEqual(["fn_a"]);
    expect(state.calls.map((c) => c.fn)).toEqual(["fn_a"]); // nothing asked for fn_b
    expect(logger.lines.filter((l) => l.level === "error")).toEqual([
      {
        level: "error",
        msg: "grid point skipped: preparing its data failed",
        obj: { fn: "fn_b", length: 8, error: "cannot generate the dataset of fn_b L=8: sampler exploded" },
      },
    ]);
  });

  it("a verifier that throws during an attempt is that attempt's sandbox_error; the grid point goes on", async () => {
    const { run, appended } = setup(pts("fn_a"), { fn_a: [text("right"), text("right")] });
    const working = fakeVerifier(PROGRAMS);
    let calls = 0;
    const res = await run(undefined, undefined, {
      verifier: {
        ...working,
        verify: async (job) => {
          if (++calls === 1) throw new Error("the sandbox child vanished");
          return working.verify(job);
        },
      },
    });
    expect(res.status).toBe("completed");
    expect(appended.map((r) => [r.attempt, r.outcome, r.val_acc, r.test_acc, r.stopped_early])).toEqual([
      [1, "sandbox_error", 0, 0, false],
      [2, "ok", 1, 1, true],
    ]);
    expect(appended[0]!.outcome_message).toBe("the sandbox child vanished");
  });

  it("--test-selected-only: a verifier throwing on the selected program's test fails the point clearly; a rerun scores it", async () => {
    const script = { fn_a: [text("wrong"), text("almost"), text("wrong")] };
    const first = setup(pts("fn_a"), script, { attempts: 3, testSelectedOnly: true });
    const working = fakeVerifier(PROGRAMS);
    const res = await first.run(undefined, undefined, {
      verifier: {
        ...working,
        verify: async (job) => {
          if (job.splits.train === undefined) throw new Error("the sandbox child vanished");
          return working.verify(job);
        },
      },
    });
    expect(res.status).toBe("failed");
    expect(res.failedPoints).toEqual([
      {
        point: { fn: "fn_a", length: 8 },
        error:
          "scoring the test split of the selected attempt 2 failed: the sandbox child vanished (run again to retry)",
      },
    ]);
    // nothing recorded for the test: the selected attempt's test_acc stays unknown, not 0
    expect(first.appended).toHaveLength(3);
    expect(first.appended.every((r) => r.test_acc === null && r.test_scored_later === undefined)).toBe(true);
    expect(first.logger.lines.filter((l) => l.level === "error").map((l) => l.obj.error)).toEqual([
      "scoring the test split of the selected attempt 2 failed: the sandbox child vanished (run again to retry)",
    ]);
    // the rerun asks nothing and scores the test
    const second = setup(pts("fn_a"), script, { attempts: 3, testSelectedOnly: true }, first.appended);
    const again = await second.run();
    expect(again.status).toBe("completed");
    expect(second.state.calls).toHaveLength(0);
    expect(second.appended).toEqual([
      expect.objectContaining({ attempt: 2, test_acc: 0.9, test_scored_later: true }),
    ]);
  });

  it("writes each answer durably before its candidate is verified, with what the record will hold", async () => {
    const { run, appended, verifier } = setup(pts("fn_a"), { fn_a: [text("wrong"), text("right")] });
    const events: string[] = [];
    const answers: AnswerRecord[] = [];
    const verify = verifier.verify.bind(verifier);
    verifier.verify = async (job) => {
      events.push("verify");
      return verify(job);
    };
    await run(undefined, new Budget({ maxOutputTokens: 100, price: { input: 1, output: 2 } }), {
      appendAnswer: async (a) => {
        await new Promise((r) => setTimeout(r, 5)); // a slow disk: verification must wait for it
        events.push(`answer ${a.attempt}`);
        answers.push(a);
      },
      append: (r) => {
        events.push(`record ${r.attempt}`);
        appended.push(r);
      },
    });
    expect(events).toEqual(["answer 1", "verify", "record 1", "answer 2", "verify", "record 2"]);
    for (const [i, a] of answers.entries()) {
      const r = appended[i]!;
      expect(a).toMatchObject({
        fn: r.fn,
        length: r.length,
        attempt: r.attempt,
        proposer: "fake",
        config_fingerprint: "fp1",
        text: r.text,
        usage: r.usage,
        duration_ms: r.duration_ms,
        cost_usd: r.cost_usd,
      });
      expect(a.cost_usd).toBeCloseTo((100 * 1 + 50 * 2) / 1e6, 12);
    }
  });

  it("verifies and records answers received before a crash without asking the proposer again", async () => {
    const usage = normaliseUsage({ input_tokens: 300, output_tokens: 700 });
    const pending = (over: Partial<AnswerRecord>): AnswerRecord => ({
      fn: "fn_a",
      length: 8,
      attempt: 2,
      proposer: "fake",
      config_fingerprint: "fp1",
      text: text("almost"),
      usage,
      tool_uses: 1,
      tool_results_chars: 42,
      incomplete_reason: "max_output_tokens",
      duration_ms: 1234,
      meta: { response_id: "resp_9" },
      cost_usd: 0.5,
      ts: "2025-01-01T00:00:00.000Z",
      ...over,
    });
    const first = setup(pts("fn_a"), { fn_a: [text("wrong")] }, { attempts: 1 });
    await first.run();
    const { run, appended, state } = setup(
      pts("fn_a", "fn_b"),
      { fn_a: [text("wrong"), text("wrong"), text("wrong")], fn_b: [text("wrong")] },
      { attempts: 3 },
      first.appended,
    );
    const progress: ProgressState[] = [];
    const answers: AnswerRecord[] = [];
    const res = await run(undefined, undefined, {
      pendingAnswers: [
        pending({}),
        pending({ attempt: 3, text: text("right"), error: "HTTP 500: boom" }), // a failed call, recorded as such
        pending({ config_fingerprint: "other", attempt: 3 }), // another config's: not ours to recover
        pending({ fn: "fn_z" }), // a grid point not in this run
      ],
      appendAnswer: (a) => {
        answers.push(a);
      },
      onProgress: (s) => progress.push(s),
    });
    expect(res.status).toBe("completed");
    // fn_a: attempts 2 and 3 came from the answers; only fn_b's one attempt was asked
    expect(state.calls).toEqual([{ fn: "fn_b", attemptsDone: 0 }]);
    expect(res.newCalls).toBe(1);
    expect(answers.map((a) => [a.fn, a.attempt])).toEqual([["fn_b", 1]]);
    const fnA = res.records.filter((r) => r.fn === "fn_a").sort((a, b) => a.attempt - b.attempt);
    expect(fnA.map((r) => r.attempt)).toEqual([1, 2, 3]);
    expect(fnA[1]).toMatchObject({
      text: text("almost"),
      usage,
      tool_uses: 1,
      tool_results_chars: 42,
      incomplete_reason: "max_output_tokens",
      duration_ms: 1234,
      meta: { response_id: "resp_9" },
      cost_usd: 0.5,
      val_acc: 0.8,
      train_acc: 0.9,
      outcome: "ok",
    });
    expect(fnA[2]).toMatchObject({ outcome: "call_error", error: "HTTP 500: boom", val_acc: null });
    expect(appended.map((r) => `${r.fn}:${r.attempt}`).sort()).toEqual(["fn_a:2", "fn_a:3", "fn_b:1"]);
    // the run's totals count each pending answer once (prior 150 + two answers 1000 each + one call 150)
    expect(progress.at(-1)!.usage.total_tokens).toBe(150 + 2 * 1000 + 150);
    expect(progress.at(-1)!.costUsd).toBeCloseTo(1, 12);
  });

  it("verifies a pending answer even when the budget allows no new call; not after an interrupt", async () => {
    const answer: AnswerRecord = {
      fn: "fn_a",
      length: 8,
      attempt: 1,
      proposer: "fake",
      config_fingerprint: "fp1",
      text: text("almost"),
      usage: null,
      duration_ms: 1,
      cost_usd: null,
      ts: "2025-01-01T00:00:00.000Z",
    };
    const broke = setup(pts("fn_a"), { fn_a: [text("right")] });
    const res = await broke.run(undefined, new Budget({ maxTokens: 10, maxOutputTokens: 100 }), {
      pendingAnswers: [answer],
    });
    expect(res.status).toBe("budget");
    expect(broke.state.calls).toHaveLength(0);
    expect(broke.appended.map((r) => [r.attempt, r.val_acc])).toEqual([[1, 0.8]]);

    const ac = new AbortController();
    ac.abort(new Error("SIGINT"));
    const stopped = setup(pts("fn_a"), { fn_a: [text("right")] });
    const res2 = await stopped.run(ac.signal, undefined, { pendingAnswers: [answer] });
    expect(res2.status).toBe("interrupted");
    expect(stopped.appended).toEqual([]);
  });
});
