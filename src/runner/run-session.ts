import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "pino";
import { AnswerLog, answersPathOf } from "../artifacts/answer-log.js";
import type { AttemptRecord } from "../artifacts/attempt-record.js";
import { writeAttemptsCsv } from "../artifacts/attempts-csv.js";
import { AttemptLog, attemptKey, latestByAttempt } from "../artifacts/attempts-jsonl.js";
import { acquireRunLock } from "../artifacts/run-lock.js";
import { costLine, summarise, summaryMarkdown, writeSummary } from "../artifacts/summary.js";
import { ExitCode } from "../core/errors.js";
import { type GridPoint, gridPointKey } from "../core/grid.js";
import type { Price, PricingMode } from "../proposer/pricing.js";
import type { Proposer } from "../proposer/proposer.js";
import type { CodeExtraction, Verifier } from "../verify/types.js";
import { Budget, spentBy } from "./budget.js";
import { type GridRunResult, type GridRunStatus, type PreparedPoint, runGrid } from "./grid-runner.js";
import { createProgressReporter } from "./progress.js";
import type { ArtifactPaths } from "./run-config.js";
import { type ManifestSession, RunManifestFile } from "./run-manifest.js";
import { sandboxSummary } from "./sandbox-summary.js";

export interface RunSessionInput {
  readonly points: readonly GridPoint[];
  readonly paths: ArtifactPaths;
  readonly attempts: number;
  readonly concurrency: number;
  readonly batch: number;
  readonly testSelectedOnly: boolean;
  readonly fresh: boolean;
  readonly fingerprint: string;
  /**
   * This config's fingerprint as an earlier llm-erm computed it, without the interpreter: its records
   * are not reused (which interpreter scored them is unknown), and stderr says so.
   */
  readonly legacyFingerprint?: string;
  readonly maxCostUsd?: number;
  readonly maxTokens?: number;
  readonly maxOutputTokens: number;
  readonly price?: Price;
  /** The rates of a call by how it was processed (batch, flex...); see BudgetOptions.priceOfMode. */
  readonly priceOfMode?: (mode: PricingMode) => Price | undefined;
  readonly proposer: Proposer;
  /** Made after the lock is taken (it probes the sandbox). `mode`: its tier, for the manifest. */
  readonly makeVerifier: () => Promise<Verifier & { readonly mode?: string }>;
  /**
   * This run's session of the run manifest (`paths.manifest`), all but what the session learns itself
   * (the sandbox, calls cut before they answered, how it ended). Without it no manifest is written.
   */
  readonly manifest?: Omit<ManifestSession, "sandbox" | "unrecorded_calls" | "finished">;
  readonly extractCode: (text: string) => CodeExtraction;
  readonly prepare: (point: GridPoint) => Promise<PreparedPoint>;
  readonly logger: Logger;
  /** The command line to print when the run can be resumed. */
  readonly resumeCommand: string;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Install SIGINT/SIGTERM handlers (off in tests that drive the abort themselves). */
  readonly handleSignals?: boolean;
  readonly signal?: AbortSignal;
}

export interface RunSessionOutput {
  readonly exitCode: number;
  readonly result?: GridRunResult;
  readonly records: AttemptRecord[];
}

/** How the grid ended, as the process's exit code. */
const EXIT_CODES: Record<GridRunStatus, number> = {
  completed: ExitCode.ok,
  failed: ExitCode.failure,
  budget: ExitCode.budget,
  interrupted: ExitCode.interrupted,
};

/**
 * One `llm-erm run` after its flags are read: lock the JSONL, resume from it, run the grid with
 * progress and signals, then write the CSV and the summary from the JSONL's records of this
 * fingerprint, and say how to resume when stopped early.
 */
export async function runSession(input: RunSessionInput): Promise<RunSessionOutput> {
  const { paths, logger } = input;
  mkdirSync(dirname(paths.jsonl), { recursive: true });
  const release = acquireRunLock(paths.jsonl);
  const controller = new AbortController();
  // Messages printed while the live display is up go above it.
  const plain = (message: string): void => {
    input.stderr.write(message);
  };
  let say = plain;
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      say(`llm-erm: second ${sig}: exiting now\n`);
      process.exit(ExitCode.interrupted);
    }
    say(`llm-erm: ${sig}: stopping; finished attempts are kept (Ctrl-C again: quit now)\n`);
    logger.warn({ signal: sig }, "interrupted: no new calls, cancelling calls in flight");
    controller.abort(new Error(sig));
  };
  const forward = () => controller.abort(input.signal?.reason);
  input.signal?.addEventListener("abort", forward, { once: true });
  if (input.handleSignals !== false) {
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }
  let log: AttemptLog | undefined;
  let answers: AnswerLog | undefined;
  // Attempt keys with a record on disk: answers of these need no recovery (compaction drops them).
  const covered = new Set<string>();
  let verifier: (Verifier & { readonly mode?: string }) | undefined;
  try {
    log = new AttemptLog(paths.jsonl, { fresh: input.fresh });
    // Read (and validated) now: what calls of this config cut in earlier sessions cost counts below.
    const manifest = input.manifest
      ? new RunManifestFile(paths.manifest, paths.jsonl, { fresh: input.fresh })
      : undefined;
    if (input.fresh) logger.info({ file: paths.jsonl }, "--fresh: starting over");
    if (log.droppedTornTail)
      logger.warn({ file: paths.jsonl }, "dropped a torn last line (a run was killed mid-write)");
    for (const r of log.existing) covered.add(attemptKey(r));
    const answersFile = answersPathOf(paths.jsonl);
    answers = new AnswerLog(answersFile, { fresh: input.fresh, covered });
    if (answers.droppedTornTail)
      logger.warn({ file: answersFile }, "dropped a torn last line (a run was killed mid-write)");
    const all = latestByAttempt(log.existing);
    const wanted = new Set(input.points.map(gridPointKey));
    const mine = all.filter((r) => r.config_fingerprint === input.fingerprint);
    const prior = mine.filter((r) => wanted.has(gridPointKey(r)));
    const foreign = all.length - mine.length;
    if (foreign > 0) {
      logger.info(
        {
          records: foreign,
          proposers: [
            ...new Set(all.filter((r) => r.config_fingerprint !== input.fingerprint).map((r) => r.proposer)),
          ],
        },
        "resume: ignoring attempts of another proposer/config in the same file",
      );
    }
    const legacy =
      input.legacyFingerprint === undefined
        ? 0
        : all.filter((r) => r.config_fingerprint === input.legacyFingerprint && wanted.has(gridPointKey(r)))
            .length;
    if (legacy > 0) {
      input.stderr.write(
        `llm-erm: ${legacy} attempt(s) of this config were recorded by an earlier llm-erm whose fingerprint ` +
          "did not include the interpreter: not reused (which interpreter scored them is unknown); " +
          "`llm-erm report` still lists them\n",
      );
      logger.warn(
        { records: legacy, fingerprint: input.legacyFingerprint },
        "resume: attempts fingerprinted without the interpreter are not reused",
      );
    }
    if (prior.length > 0)
      logger.info({ records: prior.length, file: paths.jsonl }, "resume: reusing finished attempts");
    const pendingAnswers = answers.pending.filter(
      (a) => a.config_fingerprint === input.fingerprint && wanted.has(gridPointKey(a)),
    );
    if (pendingAnswers.length > 0)
      logger.info(
        { answers: pendingAnswers.length, file: answersFile },
        "resume: answers received but not recorded (the run stopped while verifying): verifying them, no new calls",
      );
    // Paid for already: prior attempts, answers waiting for their record, and calls of this config cut
    // before they answered in earlier sessions (no record: the manifest has them).
    const cut = (manifest?.previous ?? [])
      .flatMap((s) => s.unrecorded_calls)
      .filter((c) => c.config_fingerprint === input.fingerprint && wanted.has(gridPointKey(c)));
    if (cut.length > 0)
      logger.info(
        { calls: cut.length, file: paths.manifest },
        "resume: counting what calls cut before they answered cost",
      );
    // A call whose usage was unknown counts its estimate (cost_usd and estimated_tokens).
    const paid = [...prior, ...pendingAnswers, ...cut].map(spentBy);
    const budget = new Budget({
      maxOutputTokens: input.maxOutputTokens,
      spentUsd: paid.reduce((a, s) => a + s.usd, 0),
      spentTokens: paid.reduce((a, s) => a + s.tokens, 0),
      ...(input.maxCostUsd !== undefined ? { maxCostUsd: input.maxCostUsd } : {}),
      ...(input.maxTokens !== undefined ? { maxTokens: input.maxTokens } : {}),
      ...(input.price ? { price: input.price } : {}),
      ...(input.priceOfMode ? { priceOfMode: input.priceOfMode } : {}),
    });
    // The verifier logs its own sandbox_protections event (runner.log); stderr gets one line.
    verifier = await input.makeVerifier();
    input.stderr.write(`llm-erm: ${sandboxSummary(verifier.protections)}\n`);
    if (manifest && input.manifest) {
      const mode = verifier.mode ?? verifier.protections.mode;
      manifest.start({
        ...input.manifest,
        sandbox: { mode: typeof mode === "string" ? mode : null, protections: { ...verifier.protections } },
      });
    }
    const progress = createProgressReporter(input.stderr, {
      header: {
        proposer: input.proposer.id,
        concurrency: input.concurrency,
        batch: input.batch,
        sandbox: String(verifier.protections.mode ?? "?"),
      },
    });
    say = (message) => progress.note(message);
    const writer = log;
    const answerWriter = answers;
    const result = await runGrid(
      {
        points: input.points,
        attempts: input.attempts,
        concurrency: input.concurrency,
        batch: input.batch,
        testSelectedOnly: input.testSelectedOnly,
        fingerprint: input.fingerprint,
      },
      {
        proposer: input.proposer,
        verifier,
        extractCode: input.extractCode,
        prepare: input.prepare,
        append: async (r) => {
          await writer.appendAsync(r);
          covered.add(attemptKey(r));
        },
        appendAnswer: (a) => answerWriter.appendAsync(a),
        onUnrecordedCall: (c) => manifest?.addUnrecordedCall(c),
        prior,
        pendingAnswers,
        budget,
        logger,
        signal: controller.signal,
        onProgress: (s) => progress.update(s),
      },
    );
    progress.finish();
    say = plain;
    // The CSV and summary cover every attempt of this config in the JSONL (all shards' points when
    // the file is shared), regenerated from the JSONL so they always agree with it.
    const byKey = new Map(mine.map((r) => [`${gridPointKey(r)}|${r.attempt}`, r]));
    for (const r of result.records) byKey.set(`${gridPointKey(r)}|${r.attempt}`, r);
    const records = [...byKey.values()];
    manifest?.finish({
      at: new Date().toISOString(),
      status: result.status,
      new_calls: result.newCalls,
      attempts_on_record: records.length,
    });
    writeAttemptsCsv(paths.csv, records);
    const summary = summarise(records);
    writeSummary(paths.summaryCsv, paths.summaryJson, summary);
    logger.info(
      { jsonl: paths.jsonl, csv: paths.csv, summary: paths.summaryCsv, records: records.length },
      "artifacts written",
    );
    input.stdout.write(`${summaryMarkdown(summary)}\n`);
    const spent = budget.spent;
    const cost = costLine(summary);
    input.stderr.write(
      `${cost === undefined ? "" : `llm-erm: ${cost}\n`}` +
        `llm-erm: ${result.newCalls} new calls, ${records.length} attempts on record, ${spent.tokens} tokens, ~$${spent.usd.toFixed(4)}\n` +
        `llm-erm: wrote ${paths.jsonl}, ${paths.csv}, ${paths.summaryCsv} (.json), ${paths.log}${manifest ? `, ${paths.manifest}` : ""}\n`,
    );
    const exitCode = EXIT_CODES[result.status];
    if (result.status === "interrupted" || result.status === "budget") {
      const why =
        result.status === "budget"
          ? "a budget stopped the run (raise --max-cost-usd / --max-tokens)"
          : "interrupted";
      input.stderr.write(
        `llm-erm: ${why}; to resume, run the same command again:\n  ${input.resumeCommand}\n`,
      );
      logger.warn({ status: result.status }, "run stopped early; run the same command again to resume");
    }
    for (const f of result.failedPoints) {
      input.stderr.write(`llm-erm: grid point ${f.point.fn} L=${f.point.length} failed: ${f.error}\n`);
    }
    return { exitCode, result, records };
  } finally {
    if (input.handleSignals !== false) {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
    input.signal?.removeEventListener("abort", forward);
    await log?.flush();
    log?.close();
    await answers?.flush();
    // Answers whose attempt records are on disk are dropped; the file is removed when none is left.
    answers?.compact(covered);
    await verifier?.close();
    release();
  }
}
