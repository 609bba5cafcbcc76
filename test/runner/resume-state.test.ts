import { describe, expect, it } from "vitest";
import type { AnswerRecord } from "../../src/artifacts/answer-record.js";
import type { AttemptRecord } from "../../src/artifacts/attempt-record.js";
import { normaliseUsage } from "../../src/proposer/openai-usage.js";
import { resumeState } from "../../src/runner/resume-state.js";

const usage = normaliseUsage({ input_tokens: 100, output_tokens: 50 });
const rec = (fn: string, attempt: number, trial?: number) =>
  ({ fn, length: 8, attempt, usage, cost_usd: 0.5, ...(trial ? { trial } : {}) }) as AttemptRecord;
const ans = (fn: string, attempt: number, fp = "fp") =>
  ({ fn, length: 8, attempt, usage, cost_usd: 0.25, config_fingerprint: fp }) as AnswerRecord;

describe("resume state", () => {
  it("groups records and answers by grid point; totals count the run's points only", () => {
    const points = [
      { fn: "fn_a", length: 8 },
      { fn: "fn_a", length: 8, trial: 2 },
    ];
    const s = resumeState(
      points,
      [rec("fn_a", 1), rec("fn_a", 2), rec("fn_a", 1, 2), rec("fn_b", 1)],
      [ans("fn_a", 3), ans("fn_b", 1), ans("fn_a", 4, "other")],
      "fp",
    );
    expect(s.records.get("fn_a|L=8")!.map((r) => r.attempt)).toEqual([1, 2]);
    expect(s.records.get("fn_a|L=8|T=2")!.map((r) => r.attempt)).toEqual([1]);
    expect(s.attempts).toBe(3);
    // answers of other points or another fingerprint are not this run's
    expect([...s.answers.keys()]).toEqual(["fn_a|L=8"]);
    expect([...s.answers.get("fn_a|L=8")!.keys()]).toEqual([3]);
    expect(s.costUsd).toBe(3 * 0.5 + 0.25);
    expect(s.usage.total_tokens).toBe(4 * 150);
  });

  it("nothing on disk: nothing counted", () => {
    const s = resumeState([{ fn: "fn_a", length: 8 }], [], [], "fp");
    expect(s).toMatchObject({ attempts: 0, costUsd: 0 });
    expect(s.usage.total_tokens).toBe(0);
    expect(s.records.size).toBe(0);
  });
});
