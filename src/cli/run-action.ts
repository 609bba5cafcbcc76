/**
 * The run command's work, loaded only when `llm-erm run` runs (with the providers' SDKs, the logger, the runner
 * and the verifier), so that the other commands start faster.
 */
import { accessSync, constants, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Logger } from "pino";
import { DamagedArtifactError } from "../artifacts/damaged-artifact-error.js";
import { ExitCode, UsageError } from "../core/errors.js";
import { distinctPoints, expandTrials, type GridPoint, gridPointKey } from "../core/grid.js";
import { type BuildResult, buildDatasets } from "../dataset/build-pool.js";
import { DatasetGenerationError } from "../dataset/generation-error.js";
import { MetaSchema } from "../dataset/meta.js";
import { specForPoint } from "../dataset/spec.js";
import { DatasetDamagedError, loadOrBuildDataset } from "../dataset/store.js";
import { createEnumerativeProposer, DEFAULT_ENUMERATION_BUDGET } from "../enumerate/enumerative-proposer.js";
import { buildPaperPrompt } from "../prompt/paper-prompt.js";
import { renderTemplate } from "../prompt/user-prompt.js";
import { batchesPathOf } from "../proposer/batch/batch-journal.js";
import type { BatchTransport } from "../proposer/batch/batch-transport.js";
import { createBatchingProposer } from "../proposer/batch/batching-proposer.js";
import {
  findPrice,
  loadPriceTableOver,
  type Price,
  type PricingMode,
  priceForBudget,
  priceOfMode,
} from "../proposer/pricing.js";
import type { Proposer } from "../proposer/proposer.js";
import { getProvider } from "../proposer/registry.js";
import { runFingerprint } from "../runner/fingerprint.js";
import type { PreparedPoint } from "../runner/grid-runner.js";
import { createRunLogger } from "../runner/run-logger.js";
import {
  llmErmVersion,
  type ManifestDataset,
  type ManifestSession,
  publicBaseUrl,
} from "../runner/run-manifest.js";
import { runSession } from "../runner/run-session.js";
import { shardPoints } from "../runner/shard.js";
import { getTask, planGrid, skippedLine } from "../tasks/registry.js";
import { promptAlphabet } from "../tasks/task.js";
import { extractCode } from "../verify/extract.js";
import { probePython } from "../verify/python-probe.js";
import { createVerifier } from "../verify/sandbox-verifier.js";
import { batchEventLine, checkCostFlags, requestedPricingMode, reservationPrice } from "./cost-options.js";
import { dryRunCostLines, runDryRun } from "./dry-run.js";
import { type RunOutputs, readRunInputs } from "./run-inputs.js";
import { type UserDataRun, userPrompt } from "./user-data-run.js";

/** The run command after commander parsed the flags; returns the exit code. */
export async function runCommand(opts: Record<string, unknown>, argv: readonly string[]): Promise<number> {
  const startedAt = new Date().toISOString();
  // The flags and the environment, read and checked once; nothing below reads either.
  const inputs = readRunInputs(opts, process.env);
  const { grid, settings, shard, providerAnnounce, template, userData } = inputs;
  // Validate the grid (unknown ids, impossible lengths) before announcing anything.
  const { points: allPoints, skipped } = userData
    ? { points: [...userData.points], skipped: [] }
    : planGrid(grid.functions, grid.lengths);
  // `--lengths 30` alone: the tasks that cannot take a length are left out, in one line.
  const skippedNote = skippedLine(skipped);
  if (skippedNote !== undefined) process.stderr.write(`llm-erm: ${skippedNote}\n`);
  // Trials are grid points of their own (same dataset); shards split them like any point.
  const points = shardPoints(expandTrials(allPoints, settings.trials), shard);
  // One dataset per (task, length), whatever the trials.
  const dataPoints = distinctPoints(points);
  checkCostFlags(settings, settings.provider === "enumerative" ? undefined : getProvider(settings.provider));
  if (settings.dryRun) {
    const printed = userData
      ? printUserDataPrompts(userData, dataPoints, template, process.stdout)
      : await runDryRun(grid, process.stdout, dataPoints, template?.text);
    if (settings.provider !== "enumerative") {
      const provider = getProvider(settings.provider);
      const table = loadPriceTableOver(provider.prices, settings.pricesFile);
      const base = findPrice(table, settings.model, provider.snapshot);
      // Every point (trials included) is asked its dataset's prompt, as printed above.
      const prompts = points.map((p) => printed.get(gridPointKey({ fn: p.fn, length: p.length })) ?? "");
      // On stderr: stdout stays the prompts alone (as without a key), for piping.
      process.stderr.write(`${dryRunCostLines({ settings, base, prompts })}\n`);
    }
    return ExitCode.ok;
  }
  const { paths } = inputs.outputs;
  ensureOutputDirs(inputs.outputs);
  if (providerAnnounce) process.stderr.write(`llm-erm: ${providerAnnounce}\n`);
  // The interpreter's identity (what `--python` resolves to, not the flag's text) is part of the run:
  // another interpreter (a venv with other packages, another version) may score the same program
  // differently, so its attempts never mix with these on resume. The sandbox probes it again.
  const probed = await probePython(settings.python ?? "python3");
  const python = { executable: probed.executable, version: probed.version };

  let proposer: Proposer;
  // Made after the pre-flight: a run refused before it starts leaves no runner.log behind.
  let logger: Logger | undefined;
  let price: Price | undefined;
  let basePrice: Price | undefined;
  let batchTransport: BatchTransport | undefined;
  let fingerprintConfig: Record<string, unknown>;
  // The proposer's SDK version(s) and base URL, for the manifest and the log (none: the enumerator).
  let sdkVersions: Record<string, string> = {};
  let baseURL: string | undefined;
  const data = { train: grid.trainSize, val: grid.valSize, test: grid.testSize, seed: grid.seed };
  // A user's files (their content hashes) and a prompt template are part of what makes attempts comparable.
  const inputFiles = {
    ...(userData ? { user_data: userData.fingerprint } : {}),
    ...(template ? { prompt_template: template.sha256 } : {}),
  };
  if (settings.provider !== "enumerative") {
    const provider = getProvider(settings.provider);
    const configured = provider.resolve(settings, inputs.providerEnv);
    checkCostFlags(settings, provider, configured);
    const table = loadPriceTableOver(provider.prices, settings.pricesFile);
    basePrice =
      settings.maxCostUsd !== undefined
        ? priceForBudget(table, settings.model, provider.snapshot)
        : findPrice(table, settings.model, provider.snapshot);
    // Reservations at the rates of the mode asked for (batch, flex...); each call settles at its own.
    price = basePrice && reservationPrice(basePrice, settings);
    if (settings.maxCostUsd !== undefined && price === undefined)
      throw new UsageError(
        `--max-cost-usd: no ${requestedPricingMode(settings)} price known for --model ${settings.model}; give one with --prices FILE ({"${settings.model}": {"input": ..., "output": ..., "${requestedPricingMode(settings)}": {"input": ..., "output": ...}}})`,
      );
    if (settings.preflight) await configured.preflight();
    else configured.requireKey();
    logger = createRunLogger(paths.log, settings.logLevel);
    const log = logger;
    fingerprintConfig = { ...configured.fingerprint, data, python, ...inputFiles };
    // Retries and background cancels go to runner.log.
    proposer = configured.createProposer((event, fields) => log.warn({ ...fields, event }, event));
    if (settings.batchApi)
      batchTransport = configured.createBatchTransport?.((event, fields) =>
        log.warn({ ...fields, event }, event),
      );
    sdkVersions = provider.sdkVersions();
    baseURL = configured.baseURL;
  } else {
    // One ranked candidate per attempt: --attempts 8 gets the 8 best, not the default 5 and then nothing.
    const budget = {
      ...DEFAULT_ENUMERATION_BUDGET,
      ...(settings.enumMaxPrograms ? { maxPrograms: settings.enumMaxPrograms } : {}),
      ...(settings.enumMaxSeconds ? { maxSeconds: settings.enumMaxSeconds } : {}),
      ...(settings.enumMaxSize ? { maxSize: settings.enumMaxSize } : {}),
      proposals: Math.max(DEFAULT_ENUMERATION_BUDGET.proposals, settings.attempts),
    };
    proposer = createEnumerativeProposer(budget);
    // A different budget is a different baseline: its attempts never mix with this one's on resume.
    // (proposals follows --attempts and does not change which programs come first, so it is left out.)
    const { proposals: _proposals, ...searchBudget } = budget;
    fingerprintConfig = { proposer: proposer.id, budget: searchBudget, data, python, ...inputFiles };
    price = { input: 0, output: 0 };
  }
  const fingerprint = runFingerprint(fingerprintConfig);
  // The same config as llm-erm fingerprinted it before the interpreter was part of it.
  const { python: _python, ...withoutPython } = fingerprintConfig;
  const legacyFingerprint = runFingerprint(withoutPython);
  logger ??= createRunLogger(paths.log, settings.logLevel);
  const runLog = logger;
  if (batchTransport !== undefined) {
    // --batch-api: the provider's proposer is replaced by one that sends each wave as a batch.
    proposer = createBatchingProposer({
      id: proposer.id,
      transport: batchTransport,
      journal: batchesPathOf(paths.jsonl),
      fingerprint,
      fresh: settings.fresh,
      windowMs: settings.batchWindowH * 3600_000,
      ...(settings.batchPollS !== undefined ? { pollMs: settings.batchPollS * 1000 } : {}),
      onEvent: (event, fields) => {
        runLog.info({ ...fields, event }, event);
        const line = batchEventLine(event, fields);
        if (line !== undefined) process.stderr.write(`llm-erm: ${line}\n`);
      },
    });
  }
  runLog.info(
    {
      points: points.map((p) => `${p.fn}|L=${p.length}`),
      shard: shard ?? null,
      proposer: proposer.id,
      fingerprint,
      settings: { ...settings, python: settings.python ?? "python3" },
      data,
      base_url: baseURL ?? null,
    },
    "run started",
  );
  if (skippedNote !== undefined) runLog.warn({ event: "grid_points_skipped", skipped }, skippedNote);

  // Build or reuse every dataset of this shard first (worker threads, so the HTTP calls later never
  // wait behind a generator), logging which were reused; each grid point then loads its own from disk.
  const specOf = (p: GridPoint) => specForPoint(grid, p);
  // Generating the prime tasks' data can take a while on a first run: say what is happening.
  const tty = process.stderr.isTTY === true;
  const dsStarted = performance.now();
  let generated = 0;
  let reused = 0;
  let regenerated = 0;
  const datasets = new Map<string, ManifestDataset>();
  if (tty && !userData)
    process.stderr.write(`llm-erm: datasets 0/${dataPoints.length} in ${grid.datasetDir}`);
  try {
    if (userData) {
      // A user's files are the data: split in memory, never copied into --dataset-dir.
      for (const d of userData.datasets) {
        const f = d.facts;
        runLog.info(
          {
            fn: `data:${f.name}`,
            file: f.file,
            sha256: f.sha256,
            labels: f.labelKind,
            sizes: f.sizes,
            split: f.split,
          },
          "user data loaded",
        );
      }
    } else {
      await buildDatasets(dataPoints.map(specOf), grid.datasetDir, {
        onProgress: (r) => {
          datasets.set(`${r.spec.fn}|${r.spec.length}`, manifestDataset(r));
          if (r.reused) reused++;
          else if (r.replaced) regenerated++;
          else generated++;
          if (tty)
            process.stderr.write(
              `\r\x1b[2Kllm-erm: datasets ${generated + reused + regenerated}/${dataPoints.length} in ${grid.datasetDir}`,
            );
          const at = { fn: r.spec.fn, length: r.spec.length, path: r.path, ms: Math.round(r.ms) };
          if (r.replaced) {
            // The derived seed hashes train+val: other sizes with the same sum share the directory.
            runLog.warn(
              {
                ...at,
                event: "dataset_regenerated",
                sizes: { train: r.spec.trainSize, val: r.spec.valSize, test: r.spec.testSize },
                previous_sizes: r.replaced,
              },
              "dataset regenerated: its directory held a valid dataset of other split sizes",
            );
          } else runLog.info(at, r.reused ? "dataset reused" : "dataset generated");
        },
      });
      const secs = ((performance.now() - dsStarted) / 1000).toFixed(1);
      const others = regenerated > 0 ? `, ${regenerated} regenerated for these split sizes` : "";
      process.stderr.write(
        `${tty ? "\r\x1b[2K" : ""}llm-erm: datasets ready in ${grid.datasetDir}: ${generated} generated, ${reused} reused${others} (${secs} s)\n`,
      );
    }
  } catch (err) {
    if (tty) process.stderr.write("\n");
    if (err instanceof DatasetDamagedError) {
      runLog.error({ error: err.message }, "damaged dataset");
      process.stderr.write(`llm-erm: ${err.message}\n`);
      return ExitCode.damaged;
    }
    if (err instanceof DatasetGenerationError) {
      runLog.error(
        { fn: err.fn, length: err.length, error: err.message, cause_stack: err.causeStack },
        "dataset generation failed",
      );
      process.stderr.write(`llm-erm: ${err.message}\n`);
      return ExitCode.failure;
    }
    throw err;
  }
  const prepare = async (p: GridPoint): Promise<PreparedPoint> => {
    if (userData) {
      const d = userData.datasetOf(p);
      return { splits: d.splits, prompt: userPrompt(d.splits.train, template) };
    }
    const task = getTask(p.fn);
    const { dataset } = await loadOrBuildDataset(specOf(p), grid.datasetDir);
    return {
      splits: dataset,
      prompt: template
        ? renderTemplate(template.text, dataset.train)
        : buildPaperPrompt(dataset.train, {
            decimal: task.decimal,
            length: p.length,
            alphabet: promptAlphabet(task),
          }),
    };
  };
  const manifest: Omit<ManifestSession, "sandbox" | "unrecorded_calls" | "finished"> = {
    started_at: startedAt,
    argv: argv.slice(2),
    cwd: process.cwd(),
    proposer: proposer.id,
    fingerprint,
    fingerprint_config: fingerprintConfig,
    data,
    config: {
      settings,
      grid,
      points: dataPoints.map((p) => ({ fn: p.fn, length: p.length })),
      shard: shard ?? null,
      artifacts: { ...paths },
      base_url: publicBaseUrl(baseURL),
      price: price ?? null,
    },
    versions: {
      llm_erm: llmErmVersion(),
      node: process.versions.node,
      python: probed.version,
      ...sdkVersions,
    },
    python: { requested: probed.requested, ...python },
    datasets: dataPoints.flatMap((p) => datasets.get(`${p.fn}|${p.length}`) ?? []),
    ...(userData
      ? {
          user_data: userData.manifest.map((f) => ({
            ...f,
            labels: [...f.labels],
            alphabet: [...f.alphabet],
            sizes: { ...f.sizes },
          })),
        }
      : {}),
    ...(template ? { prompt_template: { file: template.file, sha256: template.sha256 } } : {}),
  };
  try {
    const out = await runSession({
      points,
      paths,
      attempts: settings.attempts,
      concurrency: settings.concurrency,
      batch: settings.batch,
      testSelectedOnly: settings.testSelectedOnly,
      fresh: settings.fresh,
      fingerprint,
      legacyFingerprint,
      manifest,
      maxOutputTokens: settings.maxOutputTokens,
      ...(settings.maxCostUsd !== undefined ? { maxCostUsd: settings.maxCostUsd } : {}),
      ...(settings.maxTokens !== undefined ? { maxTokens: settings.maxTokens } : {}),
      ...(price ? { price } : {}),
      ...(basePrice ? { priceOfMode: (mode: PricingMode) => priceOfMode(basePrice, mode) } : {}),
      proposer,
      makeVerifier: () =>
        createVerifier({
          ...(settings.python ? { python: settings.python } : {}),
          sandbox: inputs.sandbox,
          log: (event) => runLog.info(event, String(event.event ?? "sandbox")),
        }),
      extractCode,
      prepare,
      logger: runLog,
      resumeCommand: resumeCommandOf(argv),
      stdout: process.stdout,
      stderr: process.stderr,
    });
    runLog.flush?.();
    return out.exitCode;
  } catch (err) {
    if (err instanceof DamagedArtifactError || err instanceof DatasetDamagedError) {
      runLog.error({ error: err.message }, "damaged artifact");
      process.stderr.write(`llm-erm: ${err.message}\n`);
      return ExitCode.damaged;
    }
    throw err;
  }
}

/** `run --data ... --dry-run`: each file's split sizes and the prompt its grid point gets. */
function printUserDataPrompts(
  userData: UserDataRun,
  points: readonly GridPoint[],
  template: { readonly text: string } | undefined,
  out: NodeJS.WritableStream,
): Map<string, string> {
  const prompts = new Map<string, string>();
  for (const p of points) {
    const { facts, splits } = userData.datasetOf(p);
    const { train, val, test } = facts.sizes;
    const prompt = userPrompt(splits.train, template);
    prompts.set(gridPointKey(p), prompt);
    out.write(
      `=== ${p.fn} L=${p.length}: ${facts.file} (${facts.labelKind}, ${facts.split} split: train ${train}, val ${val}, test ${test}) ===\n${prompt}\n\n`,
    );
  }
  return prompts;
}

/** A grid point's dataset for the manifest: where it is, and the SHA-256s its meta.json holds. */
function manifestDataset(r: BuildResult): ManifestDataset {
  let sha256: ManifestDataset["sha256"] = null;
  try {
    const meta = MetaSchema.safeParse(JSON.parse(readFileSync(join(r.path, "meta.json"), "utf8")));
    if (meta.success) sha256 = meta.data.sha256 ?? null;
  } catch {
    // just loaded through its meta.json: cannot happen short of a concurrent delete; recorded as unknown
  }
  return {
    fn: r.spec.fn,
    length: r.spec.length,
    path: r.path,
    derived_seed: r.dataset.derivedSeed,
    sizes: { ...r.dataset.sizes },
    written_by: r.dataset.writtenBy,
    sha256,
  };
}

/** Creates the artifacts' directories up front, so a bad --out-dir is a usage error naming the flag. */
function ensureOutputDirs({ paths, jsonlDirFrom, csvDirFrom }: RunOutputs): void {
  // The flag that chose the directory, to name in the error.
  const flagOf = (file: string): string => (file === paths.csv ? csvDirFrom : jsonlDirFrom);
  for (const file of [paths.jsonl, paths.csv]) {
    const dir = dirname(file);
    try {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, constants.W_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      throw new UsageError(`${flagOf(file)}: cannot write artifacts in ${dir} (${code})`);
    }
  }
}

/** The command line as typed, minus --fresh (resuming must not start over). */
function resumeCommandOf(argv: readonly string[]): string {
  const args = argv.slice(2).filter((a) => a !== "--fresh");
  const quote = (a: string) => (/^[\w./:=,@+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return `npx llm-erm ${args.map(quote).join(" ")}`;
}
