/**
 * What a report shows, computed from attempt records alone (pure): one run per config fingerprint,
 * its grid points with every attempt, the ERM-selected attempt and its program, and what failed.
 */
import type { AttemptRecord } from "../artifacts/attempt-record.js";
import { type GridPointSummary, type SelectionRule, summarise } from "../artifacts/summary.js";
import { extractCode } from "../verify/extract.js";

export interface ReportPoint {
  readonly fn: string;
  readonly length: number;
  readonly summary: GridPointSummary;
  /** Every attempt, in attempt order. */
  readonly attempts: readonly AttemptRecord[];
  /** The selected program's source, when its text held one. */
  readonly selectedCode?: string;
}

export interface ReportRun {
  /** The config fingerprint (a run = one config; shards of it merge). */
  readonly key: string;
  /** Proposer id, with a short fingerprint when two runs share a proposer. */
  readonly label: string;
  readonly points: readonly ReportPoint[];
  readonly solved: number;
  readonly costUsd: number | null;
  readonly tokens: number;
  /** Cost per grid point, per solved grid point (test 1.0; null: none solved or a cost unknown). */
  readonly costPerPointUsd: number | null;
  readonly costPerSolvedUsd: number | null;
  /** Input tokens read from the prompt cache. */
  readonly cachedTokens: number;
}

export interface ReportModel {
  readonly runs: readonly ReportRun[];
  /** Task ids in order (fn_a, fn_b, ...). */
  readonly tasks: readonly string[];
  /** Every (task, length) that any run has, in order. */
  readonly cells: readonly { readonly fn: string; readonly length: number }[];
  /** Attempts per outcome kind over all runs (`ok`, `timeout`, `syntax_error`...). */
  readonly outcomes: Readonly<Record<string, number>>;
  readonly attempts: number;
  /** How each grid point's program was chosen. */
  readonly selection: SelectionRule;
}

export function buildReportModel(
  records: readonly AttemptRecord[],
  selection: SelectionRule = "validation",
): ReportModel {
  const summaries = summarise(records, selection);
  const byKey = new Map<string, AttemptRecord[]>();
  for (const r of records) {
    const k = `${r.config_fingerprint}|${r.fn}|${r.length}`;
    const list = byKey.get(k);
    if (list) list.push(r);
    else byKey.set(k, [r]);
  }
  const runKeys = [...new Set(summaries.map((s) => s.config_fingerprint))];
  const proposerCount = new Map<string, number>();
  for (const k of runKeys) {
    const p = summaries.find((s) => s.config_fingerprint === k)!.proposer;
    proposerCount.set(p, (proposerCount.get(p) ?? 0) + 1);
  }
  const runs: ReportRun[] = runKeys.map((key) => {
    const rows = summaries.filter((s) => s.config_fingerprint === key).sort(byTaskThenLength);
    const proposer = rows[0]!.proposer;
    const points = rows.map((summary): ReportPoint => {
      const attempts = [...(byKey.get(`${key}|${summary.fn}|${summary.length}`) ?? [])].sort(
        (a, b) => (a.trial ?? 1) - (b.trial ?? 1) || a.attempt - b.attempt,
      );
      const sel = attempts.find((a) => (a.trial ?? 1) === 1 && a.attempt === summary.selected_attempt);
      const extracted = sel ? extractCode(sel.text) : undefined;
      return {
        fn: summary.fn,
        length: summary.length,
        summary,
        attempts,
        ...(extracted?.ok ? { selectedCode: extracted.code } : {}),
      };
    });
    const costs = rows.map((r) => r.cost_usd);
    const costUsd = costs.some((c) => c === null) ? null : costs.reduce<number>((a, c) => a + (c ?? 0), 0);
    const solved = rows.filter((r) => r.test_acc === 1).length;
    return {
      key,
      label: (proposerCount.get(proposer) ?? 0) > 1 ? `${proposer} (${key.slice(0, 8)})` : proposer,
      points,
      solved,
      costUsd,
      tokens: rows.reduce((a, r) => a + r.input_tokens + r.output_tokens, 0),
      costPerPointUsd: costUsd === null || rows.length === 0 ? null : costUsd / rows.length,
      costPerSolvedUsd: costUsd === null || solved === 0 ? null : costUsd / solved,
      cachedTokens: rows.reduce((a, r) => a + (r.cached_tokens ?? 0), 0),
    };
  });
  const cells = uniqueCells(summaries);
  const outcomes: Record<string, number> = {};
  for (const r of records) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
  return {
    runs,
    tasks: [...new Set(cells.map((c) => c.fn))],
    cells,
    outcomes,
    attempts: records.length,
    selection,
  };
}

function byTaskThenLength(a: { fn: string; length: number }, b: { fn: string; length: number }): number {
  return a.fn < b.fn ? -1 : a.fn > b.fn ? 1 : a.length - b.length;
}

function uniqueCells(rows: readonly GridPointSummary[]): { fn: string; length: number }[] {
  const seen = new Map<string, { fn: string; length: number }>();
  for (const r of rows) seen.set(`${r.fn}|${r.length}`, { fn: r.fn, length: r.length });
  return [...seen.values()].sort(byTaskThenLength);
}
