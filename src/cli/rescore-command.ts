import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { type Command, Option } from "commander";
import { stringify } from "csv-stringify/sync";
import { z } from "zod";
import type { AttemptRecord } from "../artifacts/attempt-record.js";
import { latestByAttempt, readAttemptsJsonl } from "../artifacts/attempts-jsonl.js";
import { DamagedArtifactError } from "../artifacts/damaged-artifact-error.js";
import { writeFileAtomic } from "../artifacts/write-file-atomic.js";
import { ExitCode, UsageError } from "../core/errors.js";
import type { Splits } from "../core/example.js";
import { formatExample } from "../dataset/line-format.js";
import { MetaSchema } from "../dataset/meta.js";
import { type DatasetSpec, specForPoint } from "../dataset/spec.js";
import { type Dataset, DatasetDamagedError, loadOrBuildDataset } from "../dataset/store.js";
import { type DataFormat, loadUserData } from "../dataset/user-data.js";
import {
  RESCORE_CSV_COLUMNS,
  rescoreCsvRow,
  rescoreRecords,
  reselect,
  reselectionMarkdown,
} from "../runner/rescore.js";
import {
  dataByFingerprint,
  type ManifestDataset,
  type ManifestSession,
  manifestPathOf,
  readRunManifest,
} from "../runner/run-manifest.js";
import { createVerifier } from "../verify/sandbox-verifier.js";
import { addGridOptions, readGridOptions } from "./grid-options.js";
import { sandboxChoice, sandboxOption } from "./sandbox-option.js";

/** `llm-erm rescore [jsonl...]`: re-verify a finished run's recorded answers; never calls a proposer. */
export function registerRescoreCommand(program: Command): void {
  const cmd = program
    .command("rescore")
    .description(
      "re-extract and re-verify every recorded attempt's text in the sandbox (no proposer is called, the " +
        "JSONL is only read); write a CSV of recorded vs re-scored accuracies and print the ERM " +
        "re-selection per grid point. Exit 0 when everything reproduces, 1 when an accuracy changed",
    )
    .argument("[jsonl...]", "attempt files (default: results_attempts.jsonl)")
    .addOption(new Option("--out-csv <file>", "re-scored attempt table (default: results_rescored.csv)"))
    .addOption(new Option("--python <path>", "python3 interpreter the sandbox runs (e.g. a venv's)"))
    .addOption(sandboxOption());
  addGridOptions(cmd);
  cmd.action(async (files: string[], opts: Record<string, unknown>) => {
    process.exitCode = await rescoreCommand(files, opts);
  });
}

const DataSchema = z.object({
  train: z.number().int(),
  val: z.number().int(),
  test: z.number().int(),
  seed: z.number().int(),
});
type Data = z.infer<typeof DataSchema>;

/**
 * Runs from before the run manifest: the records carry a config fingerprint, not the sizes; the
 * run's log beside the JSONL (`runner.log`, `runner.shard-i-of-n.log`) says which sizes and seed each
 * fingerprint used, in its "run started" lines.
 */
export function runDataFromLogs(jsonl: string): Map<string, Data> {
  const dir = dirname(jsonl);
  const suffix = /^results_attempts(.*)\.jsonl$/.exec(basename(jsonl))?.[1] ?? "";
  const found = new Map<string, Data>();
  for (const log of new Set([join(dir, `runner${suffix}.log`), join(dir, "runner.log")])) {
    if (!existsSync(log)) continue;
    for (const line of readFileSync(log, "utf8").split("\n")) {
      if (!line.includes('"run started"')) continue;
      try {
        const ev: unknown = JSON.parse(line);
        const parsed = z.object({ fingerprint: z.string(), data: DataSchema }).safeParse(ev);
        if (parsed.success) found.set(parsed.data.fingerprint, parsed.data.data);
      } catch {
        // a torn log line: the fingerprint is looked up elsewhere or falls back to the flags
      }
    }
  }
  return found;
}

export async function rescoreCommand(
  files: readonly string[],
  opts: Record<string, unknown>,
): Promise<number> {
  const inputs = files.length > 0 ? [...files] : ["results_attempts.jsonl"];
  const grid = readGridOptions(opts);
  const explicitData = [opts.trainSize, opts.valSize, opts.testSize, opts.seed].some((v) => v !== undefined);
  const outCsv = typeof opts.outCsv === "string" ? opts.outCsv : "results_rescored.csv";

  const all: AttemptRecord[] = [];
  // Sizes and seed of each run config: from the run manifest beside each JSONL; for a run from before
  // manifests, from its runner.log.
  const fromRuns = new Map<string, Data>();
  const sessions: ManifestSession[] = [];
  try {
    for (const f of inputs) {
      if (!existsSync(f)) throw new UsageError(`rescore: ${f}: no such file`);
      const read = readAttemptsJsonl(f);
      if (read.tornTail) process.stderr.write(`llm-erm: ${f}: ignoring a torn last line\n`);
      all.push(...read.records);
      const manifest = readRunManifest(manifestPathOf(f));
      if (manifest) {
        sessions.push(...manifest.sessions);
        for (const [k, v] of dataByFingerprint(manifest)) fromRuns.set(k, v);
      } else {
        process.stderr.write(
          `llm-erm: rescore: no ${basename(manifestPathOf(f))} beside ${f} (a run from before run manifests, or a copy): reading its sizes from its runner log\n`,
        );
        for (const [k, v] of runDataFromLogs(f)) fromRuns.set(k, v);
      }
    }
  } catch (err) {
    if (err instanceof DamagedArtifactError) {
      process.stderr.write(`llm-erm: ${err.message}\n`);
      return ExitCode.damaged;
    }
    throw err;
  }
  const records = latestByAttempt(all);
  if (records.length === 0) throw new UsageError(`rescore: no attempt records in ${inputs.join(", ")}`);

  // Sizes and seed per run config: the flags when given, else the run's log, else the defaults (said).
  const fallback: Data = { train: grid.trainSize, val: grid.valSize, test: grid.testSize, seed: grid.seed };
  const guessed = new Set<string>();
  const dataFor = (r: AttemptRecord): Data => {
    if (explicitData) return fallback;
    const logged = fromRuns.get(r.config_fingerprint);
    if (logged) return logged;
    guessed.add(r.config_fingerprint);
    return fallback;
  };
  for (const r of records) dataFor(r);
  const sizes = (d: Data) =>
    `--train-size ${d.train} --val-size ${d.val} --test-size ${d.test} --seed ${d.seed}`;
  if (explicitData) process.stderr.write(`llm-erm: rescore: datasets from the flags: ${sizes(fallback)}\n`);
  if (guessed.size > 0)
    process.stderr.write(
      `llm-erm: rescore: no run manifest or runner log gives the sizes of config(s) ${[...guessed].join(", ")}; ` +
        `using ${sizes(fallback)} (pass the run's --train-size/--val-size/--test-size/--seed if they differed)\n`,
    );

  // The SHA-256s of the datasets each config's run used (its manifest), to compare with those found.
  const usedHashes = new Map<string, NonNullable<ManifestDataset["sha256"]>>();
  for (const s of sessions)
    for (const d of s.datasets)
      if (d.sha256) usedHashes.set(`${s.fingerprint}|${d.fn}|L=${d.length}`, d.sha256);
  // `run --data` files, as each config's run read them (its manifest): path, content hash, columns.
  const userFiles = new Map<string, UserFile>();
  for (const s of sessions) for (const u of userFilesOf(s)) userFiles.set(`${s.fingerprint}|${u.fn}`, u);
  const datasets = new Map<string, Promise<Dataset>>();
  const mismatched = new Set<string>();
  const otherData = new Set<string>();
  const splitsFor = (r: AttemptRecord): Promise<Splits> => {
    const d = dataFor(r);
    if (r.fn.startsWith("data:")) {
      const u = userFiles.get(`${r.config_fingerprint}|${r.fn}`);
      if (!u)
        throw new UsageError(`rescore: ${r.fn}: no run manifest names the --data file it was read from`);
      const loaded = loadUserData(u.path, {
        format: u.format,
        inputCol: u.inputCol,
        labelCol: u.labelCol,
        splitCol: u.splitCol,
        trainSize: d.train,
        valSize: d.val,
        seed: d.seed,
      });
      if (loaded.facts.sha256 !== u.sha256) otherData.add(`${r.fn} L=${r.length} (${u.path})`);
      return Promise.resolve(loaded.splits);
    }
    const spec: DatasetSpec = specForPoint(
      { trainSize: d.train, valSize: d.val, testSize: d.test, seed: d.seed },
      { fn: r.fn, length: r.length },
    );
    const key = JSON.stringify(spec);
    let loading = datasets.get(key);
    if (!loading) {
      loading = loadOrBuildDataset(spec, grid.datasetDir).then((l) => l.dataset);
      datasets.set(key, loading);
    }
    return loading.then((ds) => {
      // The paper's prompt lists the training lines: a prompt without them was built on other data.
      if (r.prompt !== "" && !ds.train.every((e) => r.prompt.includes(formatExample(e))))
        mismatched.add(`${r.fn} L=${r.length} (${ds.path})`);
      const used = usedHashes.get(`${r.config_fingerprint}|${r.fn}|L=${r.length}`);
      if (used && !sameHashes(used, datasetHashes(ds.path)))
        otherData.add(`${r.fn} L=${r.length} (${ds.path})`);
      return ds;
    });
  };

  const verifier = await createVerifier({
    ...(typeof opts.python === "string" ? { python: opts.python } : {}),
    sandbox: sandboxChoice(opts.sandbox),
  });
  let rows: Awaited<ReturnType<typeof rescoreRecords>>;
  try {
    rows = await rescoreRecords(records, { verifier, splitsFor });
  } catch (err) {
    if (err instanceof DatasetDamagedError) {
      process.stderr.write(`llm-erm: ${err.message}\n`);
      return ExitCode.damaged;
    }
    throw err;
  } finally {
    await verifier.close();
  }
  if (otherData.size > 0)
    process.stderr.write(
      `llm-erm: rescore: the SHA-256s of ${[...otherData].sort().join(", ")} differ from those the run used (its run manifest)\n`,
    );
  const interpreters = new Set(
    sessions
      .filter((s) => records.some((r) => r.config_fingerprint === s.fingerprint))
      .map((s) => `${s.python.executable} (Python ${s.python.version})`),
  );
  const here = `${verifier.python.executable} (Python ${verifier.python.version})`;
  if (interpreters.size > 0 && !(interpreters.size === 1 && interpreters.has(here)))
    process.stderr.write(
      `llm-erm: rescore: the run used ${[...interpreters].join(", ")}; re-scored with ${here} (see --python)\n`,
    );
  if (mismatched.size > 0)
    process.stderr.write(
      `llm-erm: rescore: the recorded prompt does not hold this dataset's training lines for ${[...mismatched].sort().join(", ")}: ` +
        "the run used other sizes, seed or datasets; its scores cannot be expected to reproduce\n",
    );

  writeFileAtomic(
    outCsv,
    stringify(rows.map(rescoreCsvRow), { header: true, columns: [...RESCORE_CSV_COLUMNS] }),
  );
  const selection = reselect(rows);
  process.stdout.write(`${reselectionMarkdown(selection)}\n`);
  const changed = rows.filter((r) => r.changed);
  const outcomeOnly = rows.filter(
    (r) => !r.changed && r.rescored !== null && r.rescored.outcome !== r.recorded.outcome,
  ).length;
  process.stderr.write(
    `llm-erm: rescore: ${rows.length} attempts from ${inputs.length} file(s) (sandbox ${verifier.mode}); ` +
      `${changed.length} changed accuracy, ${selection.filter((s) => s.changed).length} grid point(s) select differently` +
      `${outcomeOnly > 0 ? `, ${outcomeOnly} with the same accuracies but another outcome` : ""}; wrote ${outCsv}\n`,
  );
  for (const r of changed.slice(0, 10))
    process.stderr.write(
      `llm-erm: rescore: changed: ${r.fn} L=${r.length} attempt ${r.attempt} (${r.proposer}): ` +
        `val ${r.recorded.val_acc} -> ${r.rescored?.val_acc}, test ${r.recorded.test_acc} -> ${r.rescored?.test_acc}\n`,
    );
  return changed.length > 0 ? ExitCode.failure : ExitCode.ok;
}

interface UserFile {
  readonly fn: string;
  readonly path: string;
  readonly sha256: string;
  readonly format: DataFormat;
  readonly inputCol: string;
  readonly labelCol: string;
  readonly splitCol: string;
}

const UserFingerprintSchema = z.array(
  z.object({ name: z.string(), input_col: z.string(), label_col: z.string(), split: z.string() }),
);

/** A session's `--data` files: the manifest's facts with the columns its fingerprint hashed. */
function userFilesOf(s: ManifestSession): UserFile[] {
  const cols = UserFingerprintSchema.safeParse(s.fingerprint_config.user_data);
  if (!cols.success) return [];
  return (s.user_data ?? []).flatMap((u) => {
    const c = cols.data.find((x) => x.name === u.name);
    if (!c) return [];
    return [
      {
        fn: `data:${u.name}`,
        path: resolve(s.cwd, u.file),
        sha256: u.sha256,
        format: u.format,
        inputCol: c.input_col,
        labelCol: c.label_col,
        // A seeded split: no column may be taken for one (a NUL never names a column read here).
        splitCol: c.split === "seeded" ? "\u0000" : c.split,
      },
    ];
  });
}

/** The SHA-256s a dataset's meta.json holds (undefined: none, or unreadable). */
function datasetHashes(path: string): Record<string, string> | undefined {
  try {
    const meta = MetaSchema.safeParse(JSON.parse(readFileSync(join(path, "meta.json"), "utf8")));
    return meta.success ? meta.data.sha256 : undefined;
  } catch {
    return undefined;
  }
}

const sameHashes = (a: Record<string, string>, b: Record<string, string> | undefined): boolean =>
  b !== undefined &&
  Object.keys(a).length === Object.keys(b).length &&
  Object.entries(a).every(([k, v]) => b[k] === v);
