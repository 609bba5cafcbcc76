import { describe, expect, it } from "vitest";
import type { AttemptRecord } from "../../src/artifacts/attempt-record.js";
import { normaliseUsage } from "../../src/proposer/openai-usage.js";
import type { ProgressState } from "../../src/runner/grid-types.js";
import { bestValOf, ProgressTracker } from "../../src/runner/progress-tracker.js";

const rec = (attempt: number, val: number | null, train: number | null = val) =>
  ({ fn: "fn_a", length: 8, attempt, val_acc: val, train_acc: train, test_acc: val }) as AttemptRecord;

function tracker(pointsTotal = 4) {
  let t = 1000;
  const states: ProgressState[] = [];
  const tr = new ProgressTracker({
    pointsTotal,
    attemptsPerPoint: 5,
    now: () => t,
    onProgress: (s) => states.push(s),
    initial: { usage: normaliseUsage({ input_tokens: 10, output_tokens: 5 }), costUsd: 0.5, attempts: 3 },
  });
  return { tr, states, tick: (ms: number) => (t += ms) };
}

describe("progress tracker", () => {
  it("starts from what is on disk and counts answers, cut calls and records", () => {
    const { tr, states } = tracker();
    tr.emit();
    expect(states[0]).toMatchObject({ attempts: 3, calls: 0, costUsd: 0.5, etaMs: null, inFlight: 0 });
    expect(states[0]!.usage.total_tokens).toBe(15);
    const live = tr.startPoint("k", { fn: "fn_a", length: 8 }, null);
    tr.answered(normaliseUsage({ input_tokens: 100, output_tokens: 50 }), 0.25);
    tr.spent(null, 0.125);
    tr.recorded(rec(1, 0.75), live);
    const last = states.at(-1)!;
    expect(last).toMatchObject({ attempts: 4, calls: 1, costUsd: 0.875 });
    expect(last.usage.total_tokens).toBe(165);
    expect(tr.newCalls).toBe(1);
    expect(last.active[0]!.bestVal).toBe(0.75);
  });

  it("shows a point's phase: proposing over verifying over waiting", () => {
    const { tr, states } = tracker();
    const live = tr.startPoint("k", { fn: "fn_a", length: 8 }, 0.5);
    expect(states.at(-1)!.active[0]).toMatchObject({
      phase: "waiting",
      attempt: 0,
      bestVal: 0.5,
      attempts: 5,
    });
    tr.callStarted(live, 2);
    expect(states.at(-1)!.active[0]).toMatchObject({ phase: "proposing", attempt: 2 });
    expect(states.at(-1)!.inFlight).toBe(1);
    live.verifying++;
    tr.callEnded(live);
    expect(tr.snapshot().active[0]!.phase).toBe("verifying");
    expect(tr.snapshot().inFlight).toBe(0);
    tr.leavePoint("k");
    expect(tr.snapshot().active).toEqual([]);
  });

  it("the ETA counts only points finished in this invocation; the recent list keeps the last 5", () => {
    const { tr, tick } = tracker(10);
    tr.finishPoint([rec(1, 1)]); // done before: counted, no rate, not recent
    expect(tr.snapshot()).toMatchObject({ pointsDone: 1, solved: 1, etaMs: null, recent: [] });
    tick(1000);
    const sel = tr.finishPoint([rec(1, 0.5, 0.5), rec(2, 0.75, 0.5)], 400);
    expect(sel?.attempt).toBe(2);
    // 1000 ms for one point here, 8 left
    expect(tr.snapshot()).toMatchObject({ pointsDone: 2, solved: 1, etaMs: 8000 });
    expect(tr.snapshot().recent[0]).toMatchObject({
      solved: false,
      attempts: 2,
      selectedAttempt: 2,
      val: 0.75,
    });
    for (let i = 3; i <= 8; i++) tr.finishPoint([rec(i, 1)], i);
    expect(tr.snapshot().recent.map((r) => r.elapsedMs)).toEqual([8, 7, 6, 5, 4]);
  });

  it("best validation accuracy ignores attempts without one", () => {
    expect(bestValOf([])).toBeNull();
    expect(bestValOf([rec(1, null)])).toBeNull();
    expect(bestValOf([rec(1, 0.5), rec(2, null), rec(3, 0.25)])).toBe(0.5);
  });
});
