import { stringify } from "csv-stringify/sync";
import type { AttemptRecord } from "./attempt-record.js";
import { selectErm } from "./selection.js";
import { writeFileAtomic } from "./write-file-atomic.js";

/** One row of results_summary.csv: a grid point's attempts and its ERM-selected program. */
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
  /** The grid point's result: test accuracy of the selected program. */
  readonly test_acc: number | null;
  readonly solved: boolean;
  readonly stopped_early: boolean;
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly reasoning_tokens: number;
  readonly cost_usd: number | null;
  readonly duration_ms: number;
}

/** Per (proposer config, fn, length): ERM selection over the attempts; in first-seen order. */
export function summarise(records: readonly AttemptRecord[]): GridPointSummary[] {
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
    const sel = selectErm(list);
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
      stopped_early: list.some((r) => r.stopped_early),
      input_tokens: sum(list.map((r) => r.usage.input_tokens)),
      output_tokens: sum(list.map((r) => r.usage.output_tokens)),
      reasoning_tokens: sum(list.map((r) => r.usage.reasoning_tokens)),
      cost_usd: costs.some((c) => c === null) ? null : sum(costs as number[]),
      duration_ms: sum(list.map((r) => r.duration_ms)),
    });
  }
  return out;
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
] as const;

export function summaryCsv(rows: readonly GridPointSummary[]): string {
  return stringify(
    rows.map((r) => ({
      ...r,
      solved: r.solved ? "True" : "False",
      stopped_early: r.stopped_early ? "True" : "False",
      cost_usd: r.cost_usd === null ? "" : Number(r.cost_usd.toFixed(6)),
      duration_ms: Math.round(r.duration_ms),
    })),
    { header: true, columns: [...SUMMARY_COLUMNS] },
  );
}

/** Markdown table for the terminal and `llm-erm report`. */
export function summaryMarkdown(rows: readonly GridPointSummary[]): string {
  const fmt = (x: number | null) => (x === null ? "-" : x.toFixed(4));
  const lines = [
    "| fn | L | proposer | attempts | selected | train | val | test | solved | USD |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.fn} | ${r.length} | ${r.proposer} | ${r.attempts} | ${r.selected_attempt ?? "-"} | ${fmt(r.train_acc)} | ${fmt(r.val_acc)} | ${fmt(r.test_acc)} | ${r.solved ? "yes" : "no"} | ${r.cost_usd === null ? "?" : r.cost_usd.toFixed(4)} |`,
    );
  }
  return lines.join("\n");
}

/** results_summary.csv and results_summary.json side by side. */
export function writeSummary(csvFile: string, jsonFile: string, rows: readonly GridPointSummary[]): void {
  writeFileAtomic(csvFile, summaryCsv(rows));
  writeFileAtomic(jsonFile, `${JSON.stringify(rows, null, 2)}\n`);
}
