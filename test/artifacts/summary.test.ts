import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import type { AttemptRecord } from "../../src/artifacts/attempt-record.js";
import {
  SUMMARY_COLUMNS,
  summarise,
  summaryCsv,
  summaryMarkdown,
  writeSummary,
} from "../../src/artifacts/summary.js";
import { normaliseUsage } from "../../src/proposer/openai-usage.js";

const record = (over: Partial<AttemptRecord> = {}): AttemptRecord => ({
  fn: "fn_a",
  length: 20,
  attempt: 1,
  prompt: "p",
  text: "t",
  duration_ms: 100,
  cached_tokens: 0,
  prompt_tokens: 10,
  completion_tokens: 5,
  reasoning_tokens: 2,
  tool_uses: 0,
  tool_results_chars: 0,
  val_acc: 0.5,
  test_acc: 0.5,
  stopped_early: false,
  compile_error: "",
  usage: normaliseUsage({
    input_tokens: 10,
    output_tokens: 5,
    output_tokens_details: { reasoning_tokens: 2 },
  }),
  proposer: "openai:gpt-5",
  config_fingerprint: "cfg1",
  train_acc: 0.5,
  outcome: "ok",
  outcome_message: "",
  verify_ms: 3,
  cost_usd: 0.25,
  ts: "2025-01-01T00:00:00.000Z",
  ...over,
});

describe("summarise", () => {
  it("reports the ERM-selected attempt's test accuracy, not the best test accuracy seen", () => {
    const [row] = summarise([
      record({ attempt: 1, val_acc: 0.8, train_acc: 0.9, test_acc: 0.95 }),
      record({ attempt: 2, val_acc: 0.9, train_acc: 0.7, test_acc: 0.6 }),
      record({ attempt: 3, val_acc: 0.9, train_acc: 0.8, test_acc: 0.7 }),
      record({ attempt: 4, val_acc: 0.9, train_acc: 0.8, test_acc: 0.1 }),
    ]);
    // val 0.9 beats 0.8; among val 0.9, train 0.8 beats 0.7; attempts 3 and 4 tie: the earlier wins.
    expect(row).toMatchObject({ selected_attempt: 3, val_acc: 0.9, train_acc: 0.8, test_acc: 0.7 });
    expect(row?.solved).toBe(false);
  });

  it("groups by run config, function and length, in first-seen order, never mixing proposers", () => {
    const rows = summarise([
      record({ fn: "fn_b", attempt: 1 }),
      record({ fn: "fn_a", attempt: 1, val_acc: 1, stopped_early: true }),
      record({ fn: "fn_b", attempt: 2 }),
      record({ fn: "fn_a", attempt: 1, config_fingerprint: "cfg2", proposer: "enumerative", val_acc: 0.1 }),
      record({ fn: "fn_a", length: 30, attempt: 1 }),
    ]);
    expect(rows.map((r) => [r.fn, r.length, r.proposer, r.attempts])).toEqual([
      ["fn_b", 20, "openai:gpt-5", 2],
      ["fn_a", 20, "openai:gpt-5", 1],
      ["fn_a", 20, "enumerative", 1],
      ["fn_a", 30, "openai:gpt-5", 1],
    ]);
    expect(rows[1]).toMatchObject({ solved: true, stopped_early: true });
    expect(rows[2]).toMatchObject({ solved: false, val_acc: 0.1 });
  });

  it("counts errors, never selects a failed call, sums tokens, and has no cost if any is unknown", () => {
    const failed = record({ attempt: 2, val_acc: null, test_acc: null, train_acc: null, error: "HTTP 500" });
    const [row] = summarise([
      record({ attempt: 1, val_acc: 0 }),
      failed,
      record({ attempt: 3, val_acc: 0, cost_usd: null }),
    ]);
    expect(row).toMatchObject({
      attempts: 3,
      errors: 1,
      selected_attempt: 1,
      input_tokens: 30,
      output_tokens: 15,
      reasoning_tokens: 6,
      cost_usd: null,
      duration_ms: 300,
    });
    const [onlyFailed] = summarise([failed]);
    expect(onlyFailed).toMatchObject({ selected_attempt: null, test_acc: null, solved: false });
    const [priced] = summarise([record(), record({ attempt: 2, cost_usd: 0.5 })]);
    expect(priced?.cost_usd).toBeCloseTo(0.75, 12);
  });
});

describe("results_summary.csv / .json", () => {
  it("writes the columns in order with the Python runner's True/False and empty unknown cost", () => {
    const rows = summarise([
      record({ val_acc: 1, stopped_early: true }),
      record({ fn: "fn_b", cost_usd: null, duration_ms: 12.6 }),
    ]);
    const csv = summaryCsv(rows);
    expect(csv.split("\n")[0]).toBe(SUMMARY_COLUMNS.join(","));
    const parsed = parse(csv, { columns: true }) as Record<string, string>[];
    expect(parsed.map((r) => [r.fn, r.solved, r.stopped_early, r.cost_usd, r.duration_ms])).toEqual([
      ["fn_a", "True", "True", "0.25", "100"],
      ["fn_b", "False", "False", "", "13"],
    ]);
    const dir = mkdtempSync(join(tmpdir(), "summary-"));
    writeSummary(join(dir, "s.csv"), join(dir, "s.json"), rows);
    expect(readFileSync(join(dir, "s.csv"), "utf8")).toBe(csv);
    expect(JSON.parse(readFileSync(join(dir, "s.json"), "utf8"))).toEqual(rows);
    expect(readdirSync(dir).sort()).toEqual(["s.csv", "s.json"]); // no temporary file left
  });

  it("renders one Markdown row per grid point, with - for nothing selected", () => {
    const rows = summarise([
      record({ val_acc: 1 }),
      record({ fn: "fn_b", val_acc: null, test_acc: null, train_acc: null, error: "x" }),
    ]);
    const lines = summaryMarkdown(rows).split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[2]).toBe("| fn_a | 20 | openai:gpt-5 | 1 | 1 | 0.5000 | 1.0000 | 0.5000 | yes | 0.2500 |");
    expect(lines[3]).toBe("| fn_b | 20 | openai:gpt-5 | 1 | - | - | - | - | no | 0.2500 |");
  });
});

describe("trials (--trials)", () => {
  it("selects by ERM within each trial and gives mean, sample std, a 95% t interval and the solved rate", () => {
    const rows = summarise([
      // trial 1: attempts 1 (val 0.5) and 2 (val 1.0, test 1.0): attempt 2 is selected
      record({ attempt: 1, val_acc: 0.5, test_acc: 0.9 }),
      record({ attempt: 2, val_acc: 1, test_acc: 1, stopped_early: true }),
      // trial 2: the better validation (0.8) is selected, not the better test (0.9)
      record({ trial: 2, attempt: 1, val_acc: 0.8, test_acc: 0.5 }),
      record({ trial: 2, attempt: 2, val_acc: 0.6, test_acc: 0.9 }),
      // trial 3
      record({ trial: 3, attempt: 1, val_acc: 0.7, test_acc: 0.75 }),
    ]);
    expect(rows).toHaveLength(1);
    const r = rows[0]!;
    expect([r.trials, r.trials_with_code, r.attempts, r.selected_attempt, r.test_acc]).toEqual([
      3, 3, 5, 2, 1,
    ]);
    expect(r.test_acc_mean).toBeCloseTo(0.75, 12);
    expect(r.test_acc_std).toBeCloseTo(0.25, 12);
    // t(0.975, 2) = 4.303: 0.75 ± 4.303 * 0.25 / sqrt(3)
    expect(r.test_acc_ci95_low).toBeCloseTo(0.75 - (4.303 * 0.25) / Math.sqrt(3), 10);
    expect(r.test_acc_ci95_high).toBeCloseTo(0.75 + (4.303 * 0.25) / Math.sqrt(3), 10);
    expect(r.solved_rate).toBeCloseTo(1 / 3, 12);
    expect(summaryMarkdown(rows)).toMatch(
      /\| fn_a \| 20 \| openai:gpt-5 \| 3 \| 5 \| 0\.7500 ± 0\.2500 \| 0\.1289\.\.1\.3711 \| 1\/3 \|/,
    );
  });

  it("one trial: the mean is the test accuracy, no std or interval (a run without --trials)", () => {
    const r = summarise([record({ attempt: 1, val_acc: 0.5, test_acc: 0.6 })])[0]!;
    expect([r.trials, r.test_acc_mean, r.test_acc_std, r.test_acc_ci95_low]).toEqual([1, 0.6, null, null]);
    const csv = parse(summaryCsv([r]), { columns: true }) as Record<string, string>[];
    expect([csv[0]!.trials, csv[0]!.test_acc_mean, csv[0]!.test_acc_std]).toEqual(["1", "0.6", ""]);
  });
});

describe("--select-by-test-accuracy (report)", () => {
  it("chooses by test accuracy only when asked, and says so in the row", () => {
    const rs = [
      record({ attempt: 1, val_acc: 0.9, test_acc: 0.6 }),
      record({ attempt: 2, val_acc: 0.7, test_acc: 0.8 }),
    ];
    const erm = summarise(rs)[0]!;
    const leaky = summarise(rs, "test")[0]!;
    expect([erm.selected_attempt, erm.test_acc, erm.selection]).toEqual([1, 0.6, "validation"]);
    expect([leaky.selected_attempt, leaky.test_acc, leaky.selection]).toEqual([2, 0.8, "test"]);
  });
});
