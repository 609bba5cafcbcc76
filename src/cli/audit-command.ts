import { type Command, Option } from "commander";
import { type AuditReport, auditSplits, SHORTCUT_BUDGET, type Shortcut } from "../audit/audit.js";
import { ExitCode, UsageError } from "../core/errors.js";
import type { Splits } from "../core/example.js";
import type { GridOptions } from "../core/grid-options.js";
import { buildDatasets } from "../dataset/build-pool.js";
import { planSpecs } from "../dataset/spec.js";
import { DatasetDamagedError } from "../dataset/store.js";
import type { EnumerationBudget } from "../enumerate/search.js";
import { getTask, skippedLine } from "../tasks/registry.js";
import { addGridOptions, readGridOptions } from "./grid-options.js";
import { addDataOptions, readDataFlags, readUserDataRun } from "./user-data-run.js";

const nonNegativeInt =
  (flag: string) =>
  (value: string): number => {
    if (!/^\d+$/.test(value.trim()))
      throw new UsageError(`${flag}: expected an integer >= 0, got '${value}'`);
    return Number.parseInt(value, 10);
  };

const positiveInt =
  (flag: string) =>
  (value: string): number => {
    if (!/^\d+$/.test(value.trim()) || Number.parseInt(value, 10) < 1)
      throw new UsageError(`${flag}: expected a positive integer, got '${value}'`);
    return Number.parseInt(value, 10);
  };

const positiveNumber =
  (flag: string) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0)
      throw new UsageError(`${flag}: expected a positive number, got '${value}'`);
    return n;
  };

/** One audited dataset of the grid, as `--json` prints it. */
export interface AuditedDataset {
  readonly fn: string;
  readonly target_name: string;
  readonly length: number;
  readonly path: string;
  readonly report: AuditReport;
}

const pct = (share: number): string => `${(100 * share).toFixed(share > 0 && share < 0.001 ? 3 : 1)}%`;
const acc = (a: number | null | undefined): string => (a === null || a === undefined ? "-" : a.toFixed(3));
const cell = (s: string): string => s.replaceAll("|", "\\|");

function summaryRow(d: AuditedDataset): string {
  const r = d.report;
  const rep = (["train", "val", "test"] as const).map((s) => r.splits[s].repeated_lines).join("/");
  const binary = (["train", "val", "test"] as const).every((s) =>
    Object.keys(r.splits[s].labels).every((y) => y === "0" || y === "1"),
  );
  const pos = (["train", "val", "test"] as const)
    .map((s) => {
      const st = r.splits[s];
      if (st.lines === 0) return "-";
      return binary ? pct((st.labels["1"] ?? 0) / st.lines) : `${Object.keys(st.labels).length} classes`;
    })
    .join("/");
  const inTrain = r.overlap.test_in_train;
  const inVal = r.overlap.test_in_val;
  const near = r.near_duplicates.test_near_train_or_val;
  const enumBest = r.shortcuts.find((s) => s.source === "enumerator");
  const rule = (prefix: string): Shortcut | undefined =>
    r.shortcuts.find((s) => s.source === "rule" && s.rule.replace(/^not: /, "").startsWith(prefix));
  const parity = rule("the number of 1s");
  const trial = rule("no prime below 100");
  return `| ${d.fn} | ${d.length} | ${rep} | ${inTrain.lines} (${pct(inTrain.share)}) | ${inVal.lines} (${pct(inVal.share)}) | ${near.lines} (${pct(near.share)}) | ${pos} | ${
    enumBest ? `\`${cell(enumBest.rule)}\` ${acc(enumBest.accuracy.test)}` : (r.shortcut_note ?? "-")
  } | ${parity ? `${parity.rule.startsWith("not: ") ? "odd" : "even"} ${acc(parity.accuracy.test)}` : "-"} | ${
    trial ? acc(trial.accuracy.test) : "-"
  } |\n`;
}

function shortcutRows(d: AuditedDataset): string {
  return d.report.shortcuts
    .map((s) => {
      const by = s.test_accuracy_by_label;
      return `| ${d.fn} | ${d.length} | ${s.source}${s.size !== undefined ? ` (size ${s.size})` : ""} | \`${cell(
        s.rule,
      )}\` | ${acc(s.accuracy.train)} | ${acc(s.accuracy.val)} | ${acc(s.accuracy.test)} | ${acc(by["0"])} | ${acc(by["1"])} |\n`;
    })
    .join("");
}

/** The two Markdown tables of `llm-erm datasets audit`. */
export function formatAuditTables(audited: readonly AuditedDataset[]): string {
  return (
    "| fn | L | repeated lines train/val/test | test in train | test in val | test 1 edit from train/val | positives train/val/test | enumerator's best rule on train: test acc | parity of 1s: test acc | trial division < 100: test acc |\n" +
    "|---|---|---|---|---|---|---|---|---|---|\n" +
    audited.map(summaryRow).join("") +
    "\nShortcut rules, chosen on train (the enumerator's best programs; fixed rules oriented by train accuracy):\n\n" +
    "| fn | L | source | rule (label 1 when) | train | val | test | test on label 0 | test on label 1 |\n" +
    "|---|---|---|---|---|---|---|---|---|\n" +
    audited.map(shortcutRows).join("")
  );
}

/** One dataset to audit: the built-in grid's (built or reused) or a `--data` file's. */
interface AuditInput extends Omit<AuditedDataset, "report"> {
  readonly splits: Splits;
}

/**
 * The `--data` files (read and checked as `run --data` reads them), or the grid's datasets built or
 * reused; undefined when a stored dataset is damaged (said on stderr, exit code set).
 */
async function datasetsToAudit(
  opts: Record<string, unknown>,
  grid: GridOptions,
): Promise<AuditInput[] | undefined> {
  const userData = readUserDataRun(readDataFlags(opts), grid);
  if (userData)
    return userData.datasets.map((d, i) => ({
      fn: userData.points[i]!.fn,
      target_name: d.facts.name,
      length: d.facts.maxLength,
      path: d.facts.file,
      splits: d.splits,
    }));
  const { specs, skipped } = planSpecs(grid);
  const note = skippedLine(skipped);
  if (note !== undefined) process.stderr.write(`llm-erm: ${note}\n`);
  try {
    const results = await buildDatasets(specs, grid.datasetDir);
    return results.map((r) => ({
      fn: r.spec.fn,
      target_name: getTask(r.spec.fn).name,
      length: r.spec.length,
      path: r.path,
      splits: r.dataset,
    }));
  } catch (err) {
    if (!(err instanceof DatasetDamagedError)) throw err;
    process.stderr.write(`llm-erm: ${err.message}\n`);
    process.exitCode = ExitCode.damaged;
    return undefined;
  }
}

/** `llm-erm datasets audit`: builds or reuses the grid's datasets and audits each (auditSplits). */
export function registerAuditCommand(datasets: Command): void {
  addDataOptions(
    addGridOptions(
      datasets
        .command("audit")
        .description(
          "what makes each dataset easier than it looks: repeated inputs, test inputs in train/val, near-duplicates one edit away, class balance, and the test accuracy of short rules chosen on train",
        )
        .addOption(new Option("--json", "print the reports as JSON instead of tables"))
        .addOption(
          new Option(
            "--shortcut-rules <n>",
            "how many of the enumerator's best programs to report per dataset (0: no search; default 3)",
          ).argParser(nonNegativeInt("--shortcut-rules")),
        )
        .addOption(
          new Option(
            "--enum-max-programs <n>",
            `shortcut search: programs built per dataset (default: ${SHORTCUT_BUDGET.maxPrograms})`,
          ).argParser(positiveInt("--enum-max-programs")),
        )
        .addOption(
          new Option(
            "--enum-max-seconds <s>",
            `shortcut search: seconds per dataset, a safety net (default: ${SHORTCUT_BUDGET.maxSeconds})`,
          ).argParser(positiveNumber("--enum-max-seconds")),
        )
        .addOption(
          new Option(
            "--enum-max-size <n>",
            `shortcut search: largest program size (default: ${SHORTCUT_BUDGET.maxSize})`,
          ).argParser(positiveInt("--enum-max-size")),
        ),
    ),
  ).action(async (opts: Record<string, unknown>) => {
    const grid = readGridOptions(opts);
    const budget: Partial<EnumerationBudget> = {
      ...(typeof opts.enumMaxPrograms === "number" ? { maxPrograms: opts.enumMaxPrograms } : {}),
      ...(typeof opts.enumMaxSeconds === "number" ? { maxSeconds: opts.enumMaxSeconds } : {}),
      ...(typeof opts.enumMaxSize === "number" ? { maxSize: opts.enumMaxSize } : {}),
    };
    const rules = typeof opts.shortcutRules === "number" ? opts.shortcutRules : 3;
    const toAudit = await datasetsToAudit(opts, grid);
    if (toAudit === undefined) return;
    const audited: AuditedDataset[] = [];
    for (const d of toAudit) {
      const started = performance.now();
      const report = auditSplits(d.splits, { budget, enumeratorRules: rules });
      process.stderr.write(
        `audited ${d.fn} L=${d.length} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
      );
      audited.push({ fn: d.fn, target_name: d.target_name, length: d.length, path: d.path, report });
    }
    process.stdout.write(
      opts.json === true ? `${JSON.stringify(audited, null, 2)}\n` : formatAuditTables(audited),
    );
  });
}
