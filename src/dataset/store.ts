import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { threadId } from "node:worker_threads";
import { UsageError } from "../core/errors.js";
import type { Example, SplitName, Splits } from "../core/example.js";
import { getTask } from "../tasks/registry.js";
import { alphabetName, inputPattern, type Task } from "../tasks/task.js";
import { generateSplits } from "./generate.js";
import { DatasetGenerationError } from "./generation-error.js";
import { formatExampleLines, LineFormatError, parseExampleLines } from "./line-format.js";
import { formatMeta, type MetaJson, MetaSchema, SPLIT_FILES } from "./meta.js";
import { checkSpec, type DatasetSpec, datasetPath, derivedSeed } from "./spec.js";

/** A dataset on disk that cannot be trusted: never used, always reported with the file and the problem. */
export class DatasetDamagedError extends Error {
  override readonly name = "DatasetDamagedError";
  constructor(
    readonly path: string,
    readonly file: string,
    readonly problem: string,
  ) {
    super(`damaged dataset ${path}: ${file}: ${problem} (delete that directory to rebuild it)`);
  }
}

/** A loaded dataset: its splits and the facts of its meta.json. */
export interface Dataset extends Splits {
  readonly fn: string;
  readonly targetName: string;
  readonly length: number;
  readonly decimal: boolean;
  readonly derivedSeed: number;
  readonly sizes: { readonly train: number; readonly val: number; readonly test: number };
  /** Where it lives. */
  readonly path: string;
  /** "llm-erm" when we wrote it (with SHA-256s), "python-runner" for a directory without them. */
  readonly writtenBy: "llm-erm" | "python-runner";
}

/** The split sizes of a dataset (meta.json's `sizes`). */
export interface DatasetSizes {
  readonly train: number;
  readonly val: number;
  readonly test: number;
}

export interface LoadedDataset {
  readonly dataset: Dataset;
  readonly reused: boolean;
  readonly path: string;
  /**
   * Set when the directory held a valid dataset of other split sizes, replaced by one of the sizes asked.
   * The derived seed hashes train+val, so 100/100 and 150/50 share a directory; the Python runner
   * regenerates a dataset whose line counts are not the ones asked, and so do we (these are its sizes).
   */
  readonly replaced?: DatasetSizes;
}

/** What an existing dataset directory holds for a spec (a damaged one throws DatasetDamagedError). */
export type DatasetState =
  | { readonly kind: "ok"; readonly dataset: Dataset }
  /** A valid dataset of the same task, length and derived seed, for other split sizes. */
  | { readonly kind: "other-sizes"; readonly sizes: DatasetSizes; readonly dataset: Dataset };

const SPLITS: readonly SplitName[] = ["train", "val", "test"];
const GENERATOR = "llm-erm";

const sha256 = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");

const errorCode = (err: unknown): string | undefined =>
  typeof err === "object" && err !== null && "code" in err
    ? String((err as { code: unknown }).code)
    : undefined;

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    const code = errorCode(err);
    // ENOTDIR: a file where a directory should be; building will report it against --dataset-dir.
    if (code === "ENOENT" || code === "ENOTDIR") return false;
    throw err;
  }
}

/** Rounds of replace-and-recheck before giving up on a directory that other builders keep changing. */
const MAX_ROUNDS = 5;

/**
 * The dataset for `spec` under `datasetDir`: reused when its directory exists (ours or the Python
 * runner's) and checks out, built otherwise. A directory holding a valid dataset of other split sizes
 * (same derived seed) is regenerated for the sizes asked and replaced atomically (`replaced` says so).
 * A damaged directory throws DatasetDamagedError and is left as it is.
 */
export async function loadOrBuildDataset(spec: DatasetSpec, datasetDir: string): Promise<LoadedDataset> {
  const task = checkSpec(spec);
  const path = datasetPath(datasetDir, spec);
  let replaced: DatasetSizes | undefined;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    let state: DatasetState | undefined;
    if (await exists(path)) {
      state = await examineDataset(path, spec);
      if (state.kind === "ok") {
        return { dataset: state.dataset, reused: replaced === undefined, path, ...withReplaced(replaced) };
      }
      replaced ??= state.sizes;
    }
    const built = await buildDataset(spec, task, datasetDir, path, state?.kind === "other-sizes");
    // Not written: another builder's directory took the place first; look again at what it holds.
    if (built !== undefined) return { dataset: built, reused: false, path, ...withReplaced(replaced) };
  }
  throw new UsageError(
    `--dataset-dir ${datasetDir}: ${path} keeps changing under this run (another run building it for ` +
      "other --train-size/--val-size?); run them one after the other",
  );
}

const withReplaced = (sizes: DatasetSizes | undefined) => (sizes === undefined ? {} : { replaced: sizes });

/**
 * Checks the existing dataset at `path` for `spec`: `ok` when it is the dataset asked; `other-sizes` when
 * meta.json gives other split sizes and the dataset is intact for those (same task, length and derived
 * seed: a valid dataset that is not damaged, only built for other sizes). Anything else throws
 * DatasetDamagedError, as loadDataset does.
 */
export async function examineDataset(
  path: string,
  spec: DatasetSpec,
  options: LoadOptions = {},
): Promise<DatasetState> {
  const sizes = await metaSizes(path);
  if (
    sizes === undefined ||
    (sizes.train === spec.trainSize && sizes.val === spec.valSize && sizes.test === spec.testSize)
  ) {
    return { kind: "ok", dataset: await loadDataset(path, spec, options) };
  }
  const own: DatasetSpec = { ...spec, trainSize: sizes.train, valSize: sizes.val, testSize: sizes.test };
  return { kind: "other-sizes", sizes, dataset: await loadDataset(path, own, options) };
}

/** meta.json's sizes, or undefined when it cannot be read (loadDataset then says what is wrong). */
async function metaSizes(path: string): Promise<DatasetSizes | undefined> {
  try {
    const parsed = MetaSchema.safeParse(JSON.parse(await readFile(join(path, "meta.json"), "utf8")));
    return parsed.success ? parsed.data.sizes : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Builds into a private temporary directory beside the target, then renames it into place: readers never
 * see a half-written dataset. With `replace`, the dataset there (of other sizes) is first renamed aside and
 * removed once the new one is in place. Returns undefined when another builder's directory took the place
 * first (the caller looks at it again: byte-identical when it is for the same sizes, since generation is
 * deterministic).
 */
async function buildDataset(
  spec: DatasetSpec,
  task: Task,
  datasetDir: string,
  path: string,
  replace: boolean,
): Promise<Dataset | undefined> {
  let splits: Splits;
  try {
    splits = await generateSplits(spec);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const cause = err instanceof Error ? err : new Error(String(err));
    throw new DatasetGenerationError(
      spec.fn,
      spec.length,
      `train ${spec.trainSize}, val ${spec.valSize}, test ${spec.testSize}, seed ${spec.seed}`,
      `${cause.name}: ${cause.message}`,
      cause.stack ?? `${cause.name}: ${cause.message}`,
    );
  }
  const parent = dirname(path);
  try {
    await mkdir(parent, { recursive: true });
  } catch (err) {
    throw new UsageError(
      `--dataset-dir ${datasetDir}: cannot create ${parent} (${errorCode(err) ?? String(err)})`,
    );
  }
  const texts = {
    train: formatExampleLines(splits.train),
    val: formatExampleLines(splits.val),
    test: formatExampleLines(splits.test),
  };
  const meta: MetaJson = {
    fn: spec.fn,
    target_name: task.name,
    length: spec.length,
    decimal: task.decimal,
    derived_seed: derivedSeed(spec),
    sizes: { train: spec.trainSize, val: spec.valSize, test: spec.testSize },
    created_ts: creationTime(),
    generator: GENERATOR,
    sha256: {
      "train.txt": sha256(texts.train),
      "val.txt": sha256(texts.val),
      "test.txt": sha256(texts.test),
    },
  };
  const unique = `${process.pid}-${threadId}-${randomBytes(4).toString("hex")}`;
  const tmp = join(parent, `.${basename(path)}.tmp-${unique}`);
  try {
    await mkdir(tmp);
    for (const split of SPLITS) await writeFile(join(tmp, SPLIT_FILES[split]), texts[split]);
    await writeFile(join(tmp, "meta.json"), formatMeta(meta));
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw new UsageError(
      `--dataset-dir ${datasetDir}: cannot write ${tmp} (${errorCode(err) ?? String(err)})`,
    );
  }
  // The dataset of other sizes goes aside (one rename), the new one takes its place (another): at every
  // moment the path holds a whole dataset or nothing.
  const old = join(parent, `.${basename(path)}.old-${unique}`);
  let movedAside = false;
  if (replace) {
    try {
      await rename(path, old);
      movedAside = true;
    } catch (err) {
      if (errorCode(err) !== "ENOENT") {
        await rm(tmp, { recursive: true, force: true });
        throw new UsageError(
          `--dataset-dir ${datasetDir}: cannot move ${path} aside (${errorCode(err) ?? String(err)})`,
        );
      }
    }
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    const code = errorCode(err);
    if (code === "ENOTEMPTY" || code === "EEXIST") {
      if (movedAside) await rm(old, { recursive: true, force: true });
      return undefined;
    }
    if (movedAside) await rename(old, path).catch(() => {});
    throw new UsageError(
      `--dataset-dir ${datasetDir}: cannot move ${tmp} to ${path} (${code ?? String(err)})`,
    );
  }
  if (movedAside) await rm(old, { recursive: true, force: true });
  return toDataset(splits, meta, path);
}

function toDataset(splits: Splits, meta: MetaJson, path: string): Dataset {
  return {
    train: splits.train,
    val: splits.val,
    test: splits.test,
    fn: meta.fn,
    targetName: meta.target_name,
    length: meta.length,
    decimal: meta.decimal,
    derivedSeed: meta.derived_seed,
    sizes: { ...meta.sizes },
    path,
    writtenBy: meta.sha256 ? "llm-erm" : "python-runner",
  };
}

async function readText(path: string, file: string): Promise<Buffer> {
  try {
    return await readFile(join(path, file));
  } catch (err) {
    const code = errorCode(err);
    throw new DatasetDamagedError(
      path,
      file,
      code === "ENOENT" ? "missing" : `unreadable (${code ?? String(err)})`,
    );
  }
}

export interface LoadOptions {
  /** Also check every label against the task, balance and distinctness (slow for the prime tasks). */
  readonly deep?: boolean;
}

/**
 * Loads and checks the dataset at `path` for `spec`. Ours: the SHA-256 of every split file must match
 * meta.json. Any dataset: meta.json must describe `spec`, every line must parse, have length L and the
 * task's alphabet, and each split must have its size. A directory without SHA-256s (the Python runner's)
 * also has its train and val labels checked against the task.
 */
export async function loadDataset(
  path: string,
  spec: DatasetSpec,
  options: LoadOptions = {},
): Promise<Dataset> {
  const task = getTask(spec.fn);
  const metaText = (await readText(path, "meta.json")).toString("utf8");
  let metaJson: unknown;
  try {
    metaJson = JSON.parse(metaText);
  } catch {
    throw new DatasetDamagedError(path, "meta.json", "not valid JSON (truncated or edited?)");
  }
  const parsed = MetaSchema.safeParse(metaJson);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DatasetDamagedError(
      path,
      "meta.json",
      `${issue?.path.join(".") || "(root)"}: ${issue?.message}`,
    );
  }
  const meta = parsed.data;
  const expected: [string, unknown, unknown][] = [
    ["fn", meta.fn, spec.fn],
    ["target_name", meta.target_name, task.name],
    ["length", meta.length, spec.length],
    ["decimal", meta.decimal, task.decimal],
    ["derived_seed", meta.derived_seed, derivedSeed(spec)],
    ["sizes.train", meta.sizes.train, spec.trainSize],
    ["sizes.val", meta.sizes.val, spec.valSize],
    ["sizes.test", meta.sizes.test, spec.testSize],
  ];
  for (const [field, got, want] of expected) {
    if (got !== want)
      throw new DatasetDamagedError(
        path,
        "meta.json",
        `${field} is ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`,
      );
  }
  const alphabet = inputPattern(task);
  const splits: Record<SplitName, Example[]> = { train: [], val: [], test: [] };
  for (const split of SPLITS) {
    const file = SPLIT_FILES[split];
    const bytes = await readText(path, file);
    const sum = meta.sha256?.[file];
    if (sum !== undefined && sha256(bytes) !== sum) {
      throw new DatasetDamagedError(path, file, "SHA-256 differs from meta.json (edited or truncated)");
    }
    let examples: Example[];
    try {
      examples = parseExampleLines(bytes.toString("utf8"), file);
    } catch (err) {
      if (err instanceof LineFormatError)
        throw new DatasetDamagedError(path, `${file}:${err.line}`, err.problem);
      throw err;
    }
    if (examples.length !== meta.sizes[split]) {
      throw new DatasetDamagedError(
        path,
        file,
        `has ${examples.length} lines, meta.json says ${meta.sizes[split]}`,
      );
    }
    examples.forEach((e, i) => {
      if (e.x.length !== spec.length) {
        throw new DatasetDamagedError(
          path,
          `${file}:${i + 1}`,
          `input has length ${e.x.length}, expected ${spec.length}`,
        );
      }
      if (!alphabet.test(e.x)) {
        throw new DatasetDamagedError(path, `${file}:${i + 1}`, `input is not ${alphabetName(task)}`);
      }
    });
    const checkLabels = options.deep === true || (meta.sha256 === undefined && split !== "test");
    if (checkLabels) {
      examples.forEach((e, i) => {
        if (task.label(e.x) !== e.y) {
          throw new DatasetDamagedError(
            path,
            `${file}:${i + 1}`,
            `label ${e.y} is wrong for ${e.x} (${task.id})`,
          );
        }
      });
    }
    splits[split] = examples;
  }
  if (options.deep === true) {
    checkBalance(path, splits);
    if (task.allowsDuplicates?.(spec.length) !== true) checkDistinct(path, splits);
  }
  return toDataset(splits, meta, path);
}

/**
 * meta.json's created_ts: now, or SOURCE_DATE_EPOCH when set (the reproducible-builds convention), which
 * makes meta.json byte-identical across runs too, not only the split files.
 */
export function creationTime(env: NodeJS.ProcessEnv = process.env): number {
  const fixed = env.SOURCE_DATE_EPOCH;
  if (fixed !== undefined && fixed.trim() !== "") {
    if (!/^\d+$/.test(fixed.trim())) {
      throw new UsageError(`environment variable SOURCE_DATE_EPOCH: expected whole seconds, got '${fixed}'`);
    }
    return Number.parseInt(fixed, 10);
  }
  return Math.floor(Date.now() / 1000);
}

/** No input appears twice across the three splits (except where the paper allows it). */
function checkDistinct(path: string, splits: Record<SplitName, Example[]>): void {
  const seen = new Map<string, string>();
  for (const split of ["train", "val", "test"] as const) {
    splits[split].forEach((e, i) => {
      const here = `${SPLIT_FILES[split]}:${i + 1}`;
      const first = seen.get(e.x);
      if (first !== undefined) {
        throw new DatasetDamagedError(path, here, `input ${e.x} appears again (first at ${first})`);
      }
      seen.set(e.x, here);
    });
  }
}

/** Train and val hold exactly half positives; the whole pool is split N/2 positives (floor) and the rest. */
function checkBalance(path: string, splits: Record<SplitName, Example[]>): void {
  for (const split of ["train", "val"] as const) {
    const pos = splits[split].filter((e) => e.y === 1).length;
    if (pos * 2 !== splits[split].length) {
      throw new DatasetDamagedError(
        path,
        SPLIT_FILES[split],
        `${pos} positives of ${splits[split].length}: not balanced`,
      );
    }
  }
  const all = [...splits.train, ...splits.val, ...splits.test];
  const pos = all.filter((e) => e.y === 1).length;
  if (pos !== Math.floor(all.length / 2)) {
    throw new DatasetDamagedError(
      path,
      SPLIT_FILES.test,
      `${pos} positives in a pool of ${all.length}: not balanced`,
    );
  }
}
