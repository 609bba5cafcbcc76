import { existsSync, readFileSync, rmSync } from "node:fs";
import { basename } from "node:path";
import { z } from "zod";
import { UsageSchema } from "../artifacts/attempt-record.js";
import { DamagedArtifactError } from "../artifacts/damaged-artifact-error.js";
import { writeFileAtomic } from "../artifacts/write-file-atomic.js";
import { GridOptionsSchema } from "../core/grid-options.js";
import { PriceSchema } from "../proposer/pricing.js";
import type { UnrecordedCall } from "./grid-types.js";
import { manifestPathOf, RunSettingsSchema } from "./run-config.js";

export { manifestPathOf };

/**
 * `run_manifest.json`: what makes a run reproducible (inspect_ai's eval logs do the same): every
 * resolved option, the fingerprint and what it hashed, the versions of llm-erm, Node, Python and the
 * proposer's SDK, the sandbox tier and its protections, the SHA-256s of every dataset. One file per
 * JSONL; each `llm-erm run` on that JSONL (a resume, another shard sharing it, another config) appends
 * a session, so the file tells the whole history of the JSONL. Written atomically (a reader sees the
 * old or the new file). Never holds an API key.
 */
export const RUN_MANIFEST_SCHEMA_VERSION = 1;

const DataSchema = z.object({
  train: z.number().int(),
  val: z.number().int(),
  test: z.number().int(),
  seed: z.number().int(),
});
export type RunData = z.infer<typeof DataSchema>;

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

/** One grid point's dataset as the run used it: its meta.json's SHA-256s (null: written by the Python runner). */
export const ManifestDatasetSchema = z.object({
  fn: z.string(),
  length: z.number().int(),
  path: z.string(),
  derived_seed: z.number().int(),
  sizes: z.object({ train: z.number().int(), val: z.number().int(), test: z.number().int() }),
  written_by: z.enum(["llm-erm", "python-runner"]),
  sha256: z.object({ "train.txt": Sha256, "val.txt": Sha256, "test.txt": Sha256 }).nullable(),
});
export type ManifestDataset = z.infer<typeof ManifestDatasetSchema>;

/** One `--data` file as the run read it (src/dataset/user-data.ts, UserDataFacts). */
export const UserDataManifestSchema = z.object({
  file: z.string(),
  name: z.string(),
  format: z.enum(["csv", "tsv", "jsonl"]),
  sha256: Sha256,
  examples: z.number().int(),
  labelKind: z.enum(["binary", "classes"]),
  labels: z.array(z.string()),
  alphabet: z.array(z.string()),
  minLength: z.number().int(),
  maxLength: z.number().int(),
  split: z.enum(["column", "seeded"]),
  sizes: z.object({ train: z.number().int(), val: z.number().int(), test: z.number().int() }),
});

export const UnrecordedCallSchema = z.object({
  fn: z.string(),
  length: z.number().int(),
  attempt: z.number().int().positive(),
  proposer: z.string(),
  config_fingerprint: z.string(),
  usage: UsageSchema.nullable(),
  cost_usd: z.number().nullable(),
  estimated_tokens: z.number().optional(),
  response_id: z.string().optional(),
  ts: z.string(),
});

const SessionStatus = z.enum(["completed", "budget", "interrupted", "failed"]);

export const ManifestSessionSchema = z.object({
  started_at: z.string(),
  /** The command line (argv after `llm-erm`): no flag takes a key. */
  argv: z.array(z.string()),
  cwd: z.string(),
  proposer: z.string(),
  fingerprint: z.string(),
  /** Exactly what the fingerprint hashes (canonical JSON, SHA-256, 16 hex digits). */
  fingerprint_config: z.record(z.string(), z.unknown()),
  /** The sizes and seed of the datasets (what `rescore` needs). */
  data: DataSchema,
  config: z.object({
    // Every run setting after flags, environment and defaults. Loose and partial on read, so that a
    // manifest stays readable when settings are added or retired; the schema version says when a
    // field's meaning changed.
    settings: RunSettingsSchema.partial().loose(),
    grid: GridOptionsSchema,
    points: z.array(z.object({ fn: z.string(), length: z.number().int() })),
    shard: z.object({ index: z.number().int(), count: z.number().int() }).nullable(),
    artifacts: z.record(z.string(), z.string()),
    /** The provider's base URL without credentials or query (null: the SDK's default). */
    base_url: z.string().nullable(),
    /** The price the budgets and cost estimates used (USD per 1M tokens; null: none known). */
    price: PriceSchema.nullable(),
  }),
  /**
   * Ours, Node's, the interpreter's, and the proposer's SDK(s), one field per SDK as its provider
   * names it (`openai_sdk`; none for the enumerator). Older manifests always have `openai_sdk`.
   */
  versions: z
    .object({
      llm_erm: z.string(),
      node: z.string(),
      python: z.string(),
    })
    .catchall(z.string()),
  python: z.object({ requested: z.string(), executable: z.string(), version: z.string() }),
  sandbox: z.object({
    mode: z.string().nullable(),
    /** The verifier's ProtectionReport, as it gave it. */
    protections: z.record(z.string(), z.unknown()),
  }),
  datasets: z.array(ManifestDatasetSchema),
  /** `run --data`: each user's file as read (its content's SHA-256, label kind, sizes...); absent otherwise. */
  user_data: z.array(UserDataManifestSchema).optional(),
  /** `run --prompt-template`: the template file and its SHA-256; absent otherwise. */
  prompt_template: z.object({ file: z.string(), sha256: Sha256 }).optional(),
  /** Calls cut before they answered (no attempt record) with what they may have cost: budgets count them. */
  unrecorded_calls: z.array(UnrecordedCallSchema),
  /** Set when the session ended (absent: it is running, or was killed). */
  finished: z
    .object({
      at: z.string(),
      status: SessionStatus,
      new_calls: z.number().int(),
      attempts_on_record: z.number().int(),
    })
    .optional(),
});
export type ManifestSession = z.infer<typeof ManifestSessionSchema>;

export const RunManifestSchema = z.object({
  schema_version: z.literal(RUN_MANIFEST_SCHEMA_VERSION),
  tool: z.literal("llm-erm"),
  /** The attempts file it describes (its name, beside this file). */
  jsonl: z.string(),
  sessions: z.array(ManifestSessionSchema),
});
export type RunManifest = z.infer<typeof RunManifestSchema>;

/** Reads and validates a manifest; undefined when there is none. A bad one is a DamagedArtifactError. */
export function readRunManifest(file: string): RunManifest | undefined {
  if (!existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new DamagedArtifactError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const version =
    typeof raw === "object" && raw !== null && "schema_version" in raw ? raw.schema_version : undefined;
  if (typeof version === "number" && version > RUN_MANIFEST_SCHEMA_VERSION)
    throw new DamagedArtifactError(
      `${file}: schema_version ${version} was written by a newer llm-erm (this one reads ${RUN_MANIFEST_SCHEMA_VERSION})`,
    );
  const parsed = RunManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DamagedArtifactError(
      `${file}: not a run manifest (${issue?.path.join(".") || "(root)"}: ${issue?.message})`,
    );
  }
  return parsed.data;
}

/** The data (sizes, seed) of each fingerprint, from every session of a manifest. */
export function dataByFingerprint(manifest: RunManifest): Map<string, RunData> {
  return new Map(manifest.sessions.map((s) => [s.fingerprint, s.data]));
}

/**
 * The manifest of the JSONL a run appends to: read (and validated) when the run opens the JSONL,
 * so a resume knows what cancelled calls of its config already cost; the run's session is added once
 * the sandbox is known, then kept up to date (a cut call, the end). Every write replaces the file
 * atomically. `--fresh` starts a new one.
 */
export class RunManifestFile {
  private readonly doc: RunManifest;
  private session: ManifestSession | undefined;

  constructor(
    readonly file: string,
    jsonl: string,
    opts: { fresh?: boolean } = {},
  ) {
    if (opts.fresh) rmSync(file, { force: true });
    this.doc = readRunManifest(file) ?? {
      schema_version: RUN_MANIFEST_SCHEMA_VERSION,
      tool: "llm-erm",
      jsonl: basename(jsonl),
      sessions: [],
    };
  }

  /** Sessions already in the file (before this run's). */
  get previous(): readonly ManifestSession[] {
    return this.doc.sessions.filter((s) => s !== this.session);
  }

  start(session: Omit<ManifestSession, "unrecorded_calls" | "finished">): void {
    const { datasets, ...head } = session;
    this.session = { ...head, datasets, unrecorded_calls: [] };
    this.doc.sessions.push(this.session);
    this.write();
  }

  addUnrecordedCall(call: UnrecordedCall): void {
    if (!this.session) return;
    this.session.unrecorded_calls.push({ ...call });
    this.write();
  }

  finish(finished: NonNullable<ManifestSession["finished"]>): void {
    if (!this.session) return;
    this.session.finished = finished;
    this.write();
  }

  private write(): void {
    writeFileAtomic(this.file, `${JSON.stringify(this.doc, null, 2)}\n`);
  }
}

/** This llm-erm's version (package.json, one level above src/ and dist/). */
export function llmErmVersion(): string {
  return versionIn(new URL("../../package.json", import.meta.url));
}

function versionIn(file: string | URL): string {
  try {
    const parsed = z.object({ version: z.string() }).safeParse(JSON.parse(readFileSync(file, "utf8")));
    return parsed.success ? parsed.data.version : "unknown";
  } catch {
    return "unknown";
  }
}

/** A base URL as it can be written down: no user, password, query or fragment. */
export function publicBaseUrl(url: string | undefined): string | null {
  if (url === undefined || url === "") return null;
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "(unparsable)";
  }
}
