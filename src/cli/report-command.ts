import { existsSync, readdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { type Command, Option } from "commander";
import { answersPathOf, isAnswersPath, readAnswersJsonl, uncoveredAnswers } from "../artifacts/answer-log.js";
import type { AnswerRecord } from "../artifacts/answer-record.js";
import type { AttemptRecord } from "../artifacts/attempt-record.js";
import { writeAttemptsCsv } from "../artifacts/attempts-csv.js";
import { attemptKey, latestByAttempt, readAttemptsJsonl } from "../artifacts/attempts-jsonl.js";
import { DamagedArtifactError } from "../artifacts/damaged-artifact-error.js";
import { costLine, summarise, summaryMarkdown, writeSummary } from "../artifacts/summary.js";
import { writeFileAtomic } from "../artifacts/write-file-atomic.js";
import { ExitCode, UsageError } from "../core/errors.js";
import { renderHtmlReport } from "../report/html-report.js";
import { renderMarkdownReport } from "../report/markdown-report.js";
import { buildReportModel } from "../report/report-model.js";
import { type ManifestSession, manifestPathOf, readRunManifest } from "../runner/run-manifest.js";

/** `llm-erm report [jsonl...]`: merge shards' (or runs') JSONLs into one CSV and one summary table. */
export function registerReportCommand(program: Command): void {
  program
    .command("report")
    .description(
      "merge attempt JSONLs (e.g. one per --shard) into one CSV and a per-grid-point summary; " +
        "default input: every results_attempts*.jsonl in the current directory",
    )
    .argument("[jsonl...]", "attempt files to merge")
    .addOption(new Option("--out-csv <file>", "merged attempt table (default: results_attempts.merged.csv)"))
    .addOption(
      new Option(
        "--out-summary <file>",
        "summary CSV; a .json twin is written beside it (default: results_summary.csv)",
      ),
    )
    .addOption(
      new Option("--html <file>", "also write a self-contained HTML report (charts, programs, failures)"),
    )
    .addOption(new Option("--md <file>", "also write the report as Markdown"))
    .addOption(
      new Option(
        "--select-by-test-accuracy",
        "choose each grid point's program by its TEST accuracy, as the authors' later runner reports it (optimistic: not ERM; the default chooses by validation)",
      ),
    )
    .action((files: string[], opts: Record<string, unknown>) => {
      process.exitCode = reportCommand(files, opts);
    });
}

export function reportCommand(files: readonly string[], opts: Record<string, unknown>): number {
  const named =
    files.length > 0
      ? [...files]
      : readdirSync(".")
          .filter((f) => /^results_attempts.*\.jsonl$/.test(f))
          .sort();
  // An attempt file's answers sidecar (answers a killed run received but did not record) is read
  // with it; named on its own, it is read as answers, never as attempts.
  const inputs = named.filter((f) => !isAnswersPath(f));
  const answerFiles = new Set(named.filter(isAnswersPath));
  for (const f of inputs) if (existsSync(answersPathOf(f))) answerFiles.add(answersPathOf(f));
  if (inputs.length === 0) throw new UsageError("report: no JSONL given and no results_attempts*.jsonl here");
  const all: AttemptRecord[] = [];
  const answers: AnswerRecord[] = [];
  // The run manifest beside each JSONL says what each config was (the latest session of each wins).
  const configs = new Map<string, { session: ManifestSession; file: string }>();
  const withoutManifest: string[] = [];
  try {
    for (const f of inputs) {
      const read = readAttemptsJsonl(f);
      if (read.tornTail) process.stderr.write(`llm-erm: ${f}: ignoring a torn last line\n`);
      all.push(...read.records);
      const file = manifestPathOf(f);
      const manifest = readRunManifest(file);
      if (!manifest) withoutManifest.push(f);
      for (const session of manifest?.sessions ?? []) configs.set(session.fingerprint, { session, file });
    }
    for (const f of answerFiles) answers.push(...readAnswersJsonl(f).records);
  } catch (err) {
    if (err instanceof DamagedArtifactError) {
      process.stderr.write(`llm-erm: ${err.message}\n`);
      return ExitCode.damaged;
    }
    if ((err as NodeJS.ErrnoException).code === "ENOENT")
      throw new UsageError(`report: ${(err as Error).message}`);
    throw err;
  }
  const records = latestByAttempt(all);
  for (const line of describeConfigs(records, configs, withoutManifest))
    process.stderr.write(`llm-erm: report: ${line}\n`);
  const unrecorded = uncoveredAnswers(answers, new Set(records.map(attemptKey)));
  if (unrecorded.length > 0) {
    const tokens = unrecorded.reduce((a, r) => a + (r.usage?.total_tokens ?? 0), 0);
    const usd = unrecorded.reduce((a, r) => a + (r.cost_usd ?? 0), 0);
    process.stderr.write(
      `llm-erm: ${unrecorded.length} answer(s) received but not verified yet (${tokens} tokens, ~$${usd.toFixed(4)}; a run stopped while verifying): not in this report; rerun that run's command to verify and record them\n`,
    );
  }
  const outCsv = typeof opts.outCsv === "string" ? opts.outCsv : "results_attempts.merged.csv";
  const outSummary = typeof opts.outSummary === "string" ? opts.outSummary : "results_summary.csv";
  const rule = opts.selectByTestAccuracy === true ? "test" : "validation";
  if (rule === "test")
    process.stderr.write(
      "llm-erm: report: --select-by-test-accuracy: programs are chosen by their test accuracy (optimistic, not ERM); the summary's selection column says so\n",
    );
  const summary = summarise(records, rule);
  writeAttemptsCsv(outCsv, records);
  writeSummary(
    outSummary,
    join(dirname(outSummary), `${outSummary.replace(/^.*\//, "").replace(/\.csv$/, "")}.json`),
    summary,
  );
  process.stdout.write(`${summaryMarkdown(summary)}\n`);
  const cost = costLine(summary);
  if (cost !== undefined) process.stderr.write(`llm-erm: ${cost}\n`);
  const written = [outCsv, outSummary];
  if (typeof opts.html === "string" || typeof opts.md === "string") {
    const model = buildReportModel(records, rule);
    if (typeof opts.html === "string") {
      writeFileAtomic(opts.html, renderHtmlReport(model, { generatedAt: new Date().toISOString() }));
      written.push(opts.html);
    }
    if (typeof opts.md === "string") {
      writeFileAtomic(opts.md, renderMarkdownReport(model));
      written.push(opts.md);
    }
  }
  process.stderr.write(
    `llm-erm: ${records.length} attempts from ${inputs.length} file(s); wrote ${written.join(", ")}\n`,
  );
  return ExitCode.ok;
}

/**
 * One line per run config in the report: what its manifest says it was (proposer, data, interpreter,
 * sandbox, version) and whether its last session finished; a JSONL without a manifest is named once.
 */
export function describeConfigs(
  records: readonly AttemptRecord[],
  configs: ReadonlyMap<string, { session: ManifestSession; file: string }>,
  withoutManifest: readonly string[],
): string[] {
  const lines: string[] = [];
  for (const f of withoutManifest)
    lines.push(
      `no ${basename(manifestPathOf(f))} beside ${f} (a run from before run manifests, or a copy): its configs are known by their fingerprints only`,
    );
  for (const fp of new Set(records.map((r) => r.config_fingerprint))) {
    const found = configs.get(fp);
    if (!found) continue;
    const { session: s, file } = found;
    const d = s.data;
    const unfinished =
      s.finished === undefined
        ? "; its last session did not finish (still running, or killed: rerun its command)"
        : "";
    lines.push(
      `config ${fp}: ${s.proposer}, data ${d.train}/${d.val}/${d.test} seed ${d.seed}, python ${s.python.version} (${s.python.executable}), ` +
        `sandbox ${s.sandbox.mode ?? "?"}, llm-erm ${s.versions.llm_erm} (${file})${unfinished}`,
    );
  }
  return lines;
}
