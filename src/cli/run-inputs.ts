import type { Env } from "../core/env.js";
import type { GridOptions } from "../core/grid-options.js";
import { anyProviderKey, getProvider, type ProviderEnv, providerEnv } from "../proposer/registry.js";
import {
  type ArtifactPaths,
  artifactPaths,
  type RunSettings,
  readRunSettings,
} from "../runner/run-config.js";
import type { Shard } from "../runner/shard.js";
import type { SandboxChoice } from "../verify/sandbox-launch.js";
import { readGridOptions } from "./grid-options.js";
import { sandboxChoice } from "./sandbox-option.js";
import {
  type PromptTemplate,
  readDataFlags,
  readPromptTemplate,
  readUserDataRun,
  type UserDataRun,
} from "./user-data-run.js";

/** Where `run` writes, and which flag chose each directory (named when it cannot be written). */
export interface RunOutputs {
  readonly paths: ArtifactPaths;
  /** `--out-jsonl` (the flag or OUT_JSONL), `--out-dir`, or `the current directory`. */
  readonly jsonlDirFrom: string;
  /** `--out-csv` when that flag was given, else the JSONL's. */
  readonly csvDirFrom: string;
}

/** Everything `llm-erm run` takes from its flags and the environment, read and checked once. */
export interface RunInputs {
  readonly grid: GridOptions;
  readonly settings: RunSettings;
  readonly shard?: Shard;
  /** Said on stderr when the provider was not named (`--provider auto` or no flag). */
  readonly providerAnnounce?: string;
  /** `--prompt-template`. */
  readonly template?: PromptTemplate;
  /** `--data`: the user's files, read and checked. */
  readonly userData?: UserDataRun;
  readonly outputs: RunOutputs;
  readonly sandbox: SandboxChoice;
  /** The chosen provider's key and base URL (`--base-url`, then its variable); both unset for the enumerator. */
  readonly providerEnv: ProviderEnv;
}

/**
 * The run command's flags (as commander parsed them), then the environment, then the defaults, into
 * one typed object. Reads the `--data` and `--prompt-template` files; a bad value is a UsageError.
 * The only place the run command reads `env`.
 */
export function readRunInputs(opts: Record<string, unknown>, env: Env): RunInputs {
  // A user's file is split by label, not half and half: any sizes.
  const grid = readGridOptions(opts, { evenSizes: opts.data === undefined, env });
  const { settings, shard, providerAnnounce } = readRunSettings(opts, anyProviderKey(env), env);
  // A user's files are read and checked (and a prompt template's placeholders) before anything is written.
  const template = readPromptTemplate(
    typeof opts.promptTemplate === "string" ? opts.promptTemplate : undefined,
  );
  const userData = readUserDataRun(readDataFlags(opts), grid);
  const baseUrlFlag = typeof opts.baseUrl === "string" ? opts.baseUrl : undefined;
  return {
    grid,
    settings,
    ...(shard ? { shard } : {}),
    ...(providerAnnounce ? { providerAnnounce } : {}),
    ...(template ? { template } : {}),
    ...(userData ? { userData } : {}),
    outputs: readRunOutputs(opts, env, shard),
    sandbox: sandboxChoice(opts.sandbox),
    providerEnv:
      settings.provider === "enumerative"
        ? { apiKey: undefined, baseURL: undefined }
        : providerEnv(getProvider(settings.provider), env, baseUrlFlag),
  };
}

/** `--out-dir`, `--out-jsonl` (OUT_JSONL), `--out-csv` (OUT_CSV) and the shard's own file names. */
function readRunOutputs(opts: Record<string, unknown>, env: Env, shard: Shard | undefined): RunOutputs {
  const outJsonl = opts.outJsonl ?? env.OUT_JSONL;
  const outCsv = opts.outCsv ?? env.OUT_CSV;
  const paths = artifactPaths({
    ...(typeof opts.outDir === "string" ? { outDir: opts.outDir } : {}),
    ...(outJsonl ? { outJsonl: String(outJsonl) } : {}),
    ...(outCsv ? { outCsv: String(outCsv) } : {}),
    ...(shard ? { shard } : {}),
  });
  const jsonlDirFrom =
    opts.outJsonl !== undefined || env.OUT_JSONL
      ? "--out-jsonl"
      : opts.outDir !== undefined
        ? "--out-dir"
        : "the current directory";
  return { paths, jsonlDirFrom, csvDirFrom: opts.outCsv !== undefined ? "--out-csv" : jsonlDirFrom };
}
