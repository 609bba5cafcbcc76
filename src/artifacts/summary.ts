import { stringify } from "csv-stringify/sync";
import type { AttemptRecord } from "./attempt-record.js";
import { selectByTestAccuracy, selectErm } from "./selection.js";
import { writeFileAtomic } from "./write-file-atomic.js";

/**
 * One row of results_summary.csv: a grid point's attempts and its ERM-selected program. With --trials,
 * one row per grid point still: the selection columns are trial 1's, the `test_acc_*` columns and
 * `solved_rate` summarise every trial, and the counts (attempts, tokens, cost) add them all up.
 */
export interface GridPointSummary {
  readonly fn: string;
  readonly length: number;
  readonly proposer: string;
  readonly config_fingerprint: string;
  readonly attempts: number;
  readonly errors: number;
  readonly selected_attempt: number | null;
  readonly train_acc: number | null;
  readonly val_acc: number | null;
  /** The grid point's result: test accuracy of the selected program (trial 1's with --trials). */
  readonly test_acc: number | null;
  readonly solved: boolean;
  readonly stopped_early: boolean;
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly reasoning_tokens: number;
  readonly cost_usd: number | null;
  readonly duration_ms: number;
  /** Trials run (1 without --trials). */
  readonly trials: number;
  /** Trials whose selected program had a test accuracy (a program that ran). */
  readonly trials_with_code: number;
  /** Over the trials' selected programs: mean test accuracy, sample std (null for one trial), 95% t interval. */
  readonly test_acc_mean: number | null;
  readonly test_acc_std: number | null;
  readonly test_acc_ci95_low: number | null;
  readonly test_acc_ci95_high: number | null;
  /** Share of trials whose selected program scored test 1.0. */
  readonly solved_rate: number | null;
  /** `validation` (ERM, the default) or `test` (report --select-by-test-accuracy: optimistic). */
  readonly selection: SelectionRule;
  /** Input tokens read from the prompt cache (priced at the cached rate), over every attempt. */
  readonly cached_tokens: number;
  /** Input tokens written to the prompt cache (Anthropic), over every attempt. */
  readonly cache_write_tokens: number;
  /** cost_usd / attempts (null: a cost unknown, or no attempt). */
  readonly cost_per_attempt_usd: number | null;
}

/** How a trial's program is chosen: ERM on validation (the paper's), or by test accuracy (optimistic). */
export type SelectionRule = "validation" | "test";

/** Per (proposer config, fn, length): ERM selection per trial over its attempts; in first-seen order. */
export function summarise(
  records: readonly AttemptRecord[],
  rule: SelectionRule = "validation",
): GridPointSummary[] {
  const select = (rs: readonly AttemptRecord[]) =>
    rule === "test" ? selectByTestAccuracy(rs) : selectErm(rs);
  const groups = new Map<string, AttemptRecord[]>();
  for (const r of records) {
    const key = `${r.config_fingerprint}|${r.fn}|${r.length}`;
    const list = groups.get(key);
    if (list) list.push(r);
    else groups.set(key, [r]);
  }
  const out: GridPointSummary[] = [];
  for (const list of groups.values()) {
    const first = list[0]!;
    const byTrial = new Map<number, AttemptRecord[]>();
    for (const r of list) {
      const t = r.trial ?? 1;
      const tl = byTrial.get(t);
      if (tl) tl.push(r);
      else byTrial.set(t, [r]);
    }
    const selections = [...byTrial.entries()].sort((a, b) => a[0] - b[0]).map(([, rs]) => select(rs));
    const trialOne = byTrial.get(1) ?? [...byTrial.values()][0]!;
    const sel = select(trialOne);
    const tests = selections.map((x) => x?.test_acc).filter((t): t is number => typeof t === "number");
    const stats = meanStdCi(tests);
    const costs = list.map((r) => r.cost_usd);
    out.push({
      fn: first.fn,
      length: first.length,
      proposer: first.proposer,
      config_fingerprint: first.config_fingerprint,
      attempts: list.length,
      errors: list.filter((r) => r.error !== undefined).length,
      selected_attempt: sel?.attempt ?? null,
      train_acc: sel?.train_acc ?? null,
      val_acc: sel?.val_acc ?? null,
      test_acc: sel?.test_acc ?? null,
      solved: sel?.val_acc === 1,
      stopped_early: trialOne.some((r) => r.stopped_early),
      input_tokens: sum(list.map((r) => r.usage.input_tokens)),
      output_tokens: sum(list.map((r) => r.usage.output_tokens)),
      reasoning_tokens: sum(list.map((r) => r.usage.reasoning_tokens)),
      cost_usd: costs.some((c) => c === null) ? null : sum(costs as number[]),
      duration_ms: sum(list.map((r) => r.duration_ms)),
      trials: byTrial.size,
      trials_with_code: tests.length,
      test_acc_mean: stats.mean,
      test_acc_std: stats.std,
      test_acc_ci95_low: stats.low,
      test_acc_ci95_high: stats.high,
      selection: rule,
      cached_tokens: sum(list.map((r) => r.usage.cached_tokens)),
      cache_write_tokens: sum(list.map((r) => r.usage.cache_write_tokens ?? 0)),
      cost_per_attempt_usd:
        costs.some((c) => c === null) || list.length === 0 ? null : sum(costs as number[]) / list.length,
      solved_rate: selections.length
        ? selections.filter((x) => x?.test_acc === 1).length / selections.length
        : null,
    });
  }
  return out;
}

/** Two-sided 95% Student t quantiles for 1..30 degrees of freedom; 1.96 beyond. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** Mean, sample standard deviation and the 95% t interval of the mean (null where undefined). */
export function meanStdCi(xs: readonly number[]): {
  mean: number | null;
  std: number | null;
  low: number | null;
  high: number | null;
} {
  const n = xs.length;
  if (n === 0) return { mean: null, std: null, low: null, high: null };
  const mean = sum(xs) / n;
  if (n === 1) return { mean, std: null, low: null, high: null };
  const std = Math.sqrt(sum(xs.map((x) => (x - mean) ** 2)) / (n - 1));
  const half = (T975[n - 2] ?? 1.96) * (std / Math.sqrt(n));
  return { mean, std, low: mean - half, high: mean + half };
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

export const SUMMARY_COLUMNS = [
  "fn",
  "length",
  "proposer",
  "attempts",
  "errors",
  "selected_attempt",
  "train_acc",
  "val_acc",
  "test_acc",
  "solved",
  "stopped_early",
  "input_tokens",
  "output_tokens",
  "reasoning_tokens",
  "cost_usd",
  "duration_ms",
  "config_fingerprint",
  "trials",
  "trials_with_code",
  "test_acc_mean",
  "test_acc_std",
  "test_acc_ci95_low",
  "test_acc_ci95_high",
  "solved_rate",
  "selection",
  "cached_tokens",
  "cache_write_tokens",
  "cost_per_attempt_usd",
] as const;

export function summaryCsv(rows: readonly GridPointSummary[]): string {
  return stringify(
    rows.map((r) => ({
      ...r,
      solved: r.solved ? "True" : "False",
      stopped_early: r.stopped_early ? "True" : "False",
      cost_usd: r.cost_usd === null ? "" : Number(r.cost_usd.toFixed(6)),
      cost_per_attempt_usd: r.cost_per_attempt_usd === null ? "" : Number(r.cost_per_attempt_usd.toFixed(6)),
      duration_ms: Math.round(r.duration_ms),
      test_acc_std: r.test_acc_std ?? "",
      test_acc_ci95_low: r.test_acc_ci95_low ?? "",
      test_acc_ci95_high: r.test_acc_ci95_high ?? "",
    })),
    { header: true, columns: [...SUMMARY_COLUMNS] },
  );
}

/** Markdown table for the terminal and `llm-erm report`. */
export function summaryMarkdown(rows: readonly GridPointSummary[]): string {
  const fmt = (x: number | null) => (x === null ? "-" : x.toFixed(4));
  // With trials, the mean ± std of the trials' test accuracy, and how many were solved.
  const trials = rows.some((r) => r.trials > 1);
  const lines = trials
    ? [
        "| fn | L | proposer | trials | attempts | test mean ± std | 95% interval | solved | USD |",
        "|---|---|---|---|---|---|---|---|---|",
      ]
    : [
        "| fn | L | proposer | attempts | selected | train | val | test | solved | USD |",
        "|---|---|---|---|---|---|---|---|---|---|",
      ];
  for (const r of rows) {
    const usd = r.cost_usd === null ? "?" : r.cost_usd.toFixed(4);
    lines.push(
      trials
        ? `| ${r.fn} | ${r.length} | ${r.proposer} | ${r.trials} | ${r.attempts} | ${fmt(r.test_acc_mean)} ± ${fmt(r.test_acc_std)} | ${r.test_acc_ci95_low === null ? "-" : `${fmt(r.test_acc_ci95_low)}..${fmt(r.test_acc_ci95_high)}`} | ${r.solved_rate === null ? "-" : `${Math.round(r.solved_rate * r.trials)}/${r.trials}`} | ${usd} |`
        : `| ${r.fn} | ${r.length} | ${r.proposer} | ${r.attempts} | ${r.selected_attempt ?? "-"} | ${fmt(r.train_acc)} | ${fmt(r.val_acc)} | ${fmt(r.test_acc)} | ${r.solved ? "yes" : "no"} | ${usd} |`,
    );
  }
  return lines.join("\n");
}

/** What a set of grid points cost: in total, per grid point, per solved grid point (validation 1.0). */
export interface CostTotals {
  /** null: some attempt's cost is unknown (no price for the model). */
  readonly costUsd: number | null;
  readonly points: number;
  readonly solved: number;
  readonly attempts: number;
  readonly perPointUsd: number | null;
  /** null also when nothing was solved. */
  readonly perSolvedUsd: number | null;
  readonly cachedTokens: number;
  readonly inputTokens: number;
}

export function costTotals(rows: readonly GridPointSummary[]): CostTotals {
  const known = !rows.some((r) => r.cost_usd === null);
  const costUsd = known ? sum(rows.map((r) => r.cost_usd ?? 0)) : null;
  const solved = rows.filter((r) => r.solved).length;
  return {
    costUsd,
    points: rows.length,
    solved,
    attempts: sum(rows.map((r) => r.attempts)),
    perPointUsd: costUsd === null || rows.length === 0 ? null : costUsd / rows.length,
    perSolvedUsd: costUsd === null || solved === 0 ? null : costUsd / solved,
    cachedTokens: sum(rows.map((r) => r.cached_tokens)),
    inputTokens: sum(rows.map((r) => r.input_tokens)),
  };
}

/**
 * The run's cost per attempt, grid point and solved grid point, for stderr under the summary table;
 * undefined when no call used a token (the enumerator): nothing to say.
 */
export function costLine(rows: readonly GridPointSummary[]): string | undefined {
  if (!rows.some((r) => r.input_tokens + r.output_tokens > 0)) return undefined;
  const t = costTotals(rows);
  const usd = (x: number | null) => (x === null ? "?" : `$${x.toFixed(4)}`);
  return (
    `Cost: ${usd(t.costUsd)} for ${t.attempts} attempt(s) over ${t.points} grid point(s): ` +
    `${usd(t.costUsd === null || t.attempts === 0 ? null : t.costUsd / t.attempts)} per attempt, ` +
    `${usd(t.perPointUsd)} per grid point, ${usd(t.perSolvedUsd)} per solved grid point (${t.solved} solved); ` +
    `${t.cachedTokens} of ${t.inputTokens} input tokens read from the prompt cache`
  );
}

/** results_summary.csv and results_summary.json side by side. */
export function writeSummary(csvFile: string, jsonFile: string, rows: readonly GridPointSummary[]): void {
  writeFileAtomic(csvFile, summaryCsv(rows));
  writeFileAtomic(jsonFile, `${JSON.stringify(rows, null, 2)}\n`);
}
