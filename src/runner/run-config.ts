import { availableParallelism } from "node:os";
import { basename, dirname, join } from "node:path";
import { z } from "zod";
import type { Env } from "../core/env.js";
import { UsageError } from "../core/errors.js";
import {
  DEFAULT_PROVIDER,
  getProvider,
  PROVIDER_IDS,
  providerForModel,
  providerKeyNames,
} from "../proposer/registry.js";
import {
  DEFAULT_MAX_OUTPUT_TOKENS,
  DEFAULT_MODEL,
  FLEX_FALLBACKS,
  REASONING_EFFORTS,
  SERVICE_TIERS,
  TOOL_CHOICES,
  VERBOSITIES,
} from "../proposer/request-options.js";
import { parseShard, type Shard } from "./shard.js";

/** Everything `llm-erm run` needs besides the grid/data flags, after flags and environment are merged. */
export const RunSettingsSchema = z.object({
  /** `enumerative`, or a provider of the registry (src/proposer/registry.ts). */
  provider: z.string().refine((p) => p === "enumerative" || PROVIDER_IDS.includes(p), {
    message: `expected enumerative or one of ${PROVIDER_IDS.join(", ")}`,
  }),
  attempts: z.number().int().positive(),
  /** Independent repetitions of each grid point's attempt loop (--trials); not in the fingerprint. */
  trials: z.number().int().positive(),
  concurrency: z.number().int().positive(),
  batch: z.number().int().positive(),
  timeoutS: z.number().positive(),
  // The request settings, provider-neutral: each provider validates the ones it uses with its own
  // options schema and maps them onto its API (undefined: the provider does not send it).
  model: z.string().min(1),
  maxOutputTokens: z.number().int().positive(),
  reasoningEffort: z.enum(REASONING_EFFORTS).optional(),
  verbosity: z.enum(VERBOSITIES).optional(),
  toolChoice: z.enum(TOOL_CHOICES).optional(),
  codeInterpreter: z.boolean(),
  structuredOutput: z.boolean(),
  /** --thinking-budget (anthropic, gemini; each provider's schema checks its own rule); undefined: none. */
  thinkingBudget: z.number().int().optional(),
  background: z.boolean(),
  /** --batch-api: each wave of attempts goes out as one provider batch (openai, anthropic). */
  batchApi: z.boolean(),
  /** --batch-window: hours a batch may take before llm-erm gives up on it (OpenAI's window is 24h). */
  batchWindowH: z.number().positive().max(24),
  /** --batch-poll: seconds before a batch's first poll (the wait grows 1.5x up to 60 s); default 5. */
  batchPollS: z.number().positive().optional(),
  /** --service-tier (openai): undefined: not sent. */
  serviceTier: z.enum(SERVICE_TIERS).optional(),
  /** --flex-fallback: what a flex call refused for capacity (429) does. */
  flexFallback: z.enum(FLEX_FALLBACKS),
  /** --prompt-cache: prompt_cache_key per grid point (openai), cache_control on the prompt (anthropic). */
  promptCache: z.boolean(),
  testSelectedOnly: z.boolean(),
  maxCostUsd: z.number().positive().optional(),
  maxTokens: z.number().int().positive().optional(),
  pricesFile: z.string().optional(),
  python: z.string().optional(),
  fresh: z.boolean(),
  dryRun: z.boolean(),
  preflight: z.boolean(),
  logLevel: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]),
  // The enumerator's search budget per grid point (undefined: its defaults).
  enumMaxPrograms: z.number().int().positive().optional(),
  enumMaxSeconds: z.number().positive().optional(),
  enumMaxSize: z.number().int().positive().optional(),
});
export type RunSettings = z.infer<typeof RunSettingsSchema>;

/** Where the artifacts go. */
export interface ArtifactPaths {
  readonly jsonl: string;
  readonly csv: string;
  readonly log: string;
  readonly summaryCsv: string;
  readonly summaryJson: string;
  /** run_manifest.json beside the JSONL (see manifestPathOf). */
  readonly manifest: string;
}

/**
 * The run manifest of a JSONL, beside it: `results_attempts.jsonl` -> `run_manifest.json`,
 * `results_attempts.shard-2-of-4.jsonl` -> `run_manifest.shard-2-of-4.json`; any other name `x.jsonl`
 * -> `x.run_manifest.json`.
 */
export function manifestPathOf(jsonl: string): string {
  const name = basename(jsonl);
  const paper = /^results_attempts(.*)\.jsonl$/.exec(name);
  const file = paper ? `run_manifest${paper[1]}.json` : `${name.replace(/\.jsonl$/, "")}.run_manifest.json`;
  return join(dirname(jsonl), file);
}

/**
 * The paper's names in the working directory (or --out-dir); with --shard i/n and no explicit names,
 * each shard gets its own files (`results_attempts.shard-2-of-4.jsonl`) so shards never share a file.
 */
export function artifactPaths(opts: {
  outDir?: string;
  outJsonl?: string;
  outCsv?: string;
  shard?: Shard;
}): ArtifactPaths {
  const dir = opts.outDir ?? ".";
  const suffix = opts.shard ? `.shard-${opts.shard.index}-of-${opts.shard.count}` : "";
  const jsonl = opts.outJsonl ?? join(dir, `results_attempts${suffix}.jsonl`);
  const csv = opts.outCsv ?? join(dir, `results_attempts${suffix}.csv`);
  const summaryBase = join(dirname(jsonl), `results_summary${suffix}`);
  return {
    jsonl,
    csv,
    log: join(dirname(jsonl), `runner${suffix}.log`),
    summaryCsv: `${summaryBase}.csv`,
    summaryJson: `${summaryBase}.json`,
    manifest: manifestPathOf(jsonl),
  };
}

export const envBool = (env: Env, name: string): boolean | undefined => {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return undefined;
  if (/^(1|true|yes|on)$/i.test(raw.trim())) return true;
  if (/^(0|false|no|off)$/i.test(raw.trim())) return false;
  throw new UsageError(`environment variable ${name}: expected true/false, got '${raw}'`);
};

export const envNumber = (env: Env, name: string): number | undefined => {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return undefined;
  const v = Number(raw);
  if (!Number.isFinite(v))
    throw new UsageError(`environment variable ${name}: expected a number, got '${raw}'`);
  return v;
};

/** --concurrency under --batch-api when not given: every grid point asks at once (one batch per wave). */
export const BATCH_API_CONCURRENCY = 100_000;

const flagName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
const FLAG_OF: Record<string, string> = {
  timeoutS: "--timeout",
  codeInterpreter: "--enable-code-interpreter",
  preflight: "--skip-preflight",
  pricesFile: "--prices",
  batchWindowH: "--batch-window",
};

/**
 * Merges parsed flags, then environment variables (the Python runner's names), then the paper's
 * defaults. A bad value is a UsageError naming the flag. `env`: the CLI passes `process.env`.
 */
export function readRunSettings(
  opts: Record<string, unknown>,
  hasApiKey: boolean,
  env: Env,
): { settings: RunSettings; shard?: Shard; providerAnnounce?: string } {
  // The model first: `--provider auto` (the default when a key is set) chooses by its name.
  const model = opts.model ?? env.OPENAI_MODEL ?? DEFAULT_MODEL;
  const requested = (opts.provider as string | undefined) ?? (hasApiKey ? "auto" : "enumerative");
  const provider =
    requested === "auto"
      ? hasApiKey && typeof model === "string"
        ? providerForModel(model)
        : "enumerative"
      : requested;
  const providerAnnounce =
    opts.provider === undefined || opts.provider === "auto"
      ? hasApiKey
        ? provider === DEFAULT_PROVIDER
          ? `provider: ${provider} (${getProvider(provider).keyEnv[0]} is set; see --provider)`
          : `provider: ${provider} (chosen by --model ${String(model)}; see --provider)`
        : `provider: enumerative (${providerKeyNames().join(", ")} ${providerKeyNames().length > 1 ? "are" : "is"} not set; see --provider)`
      : undefined;
  // A provider's own defaults for the options left unset (the enumerator records the default
  // provider's, as before the registry).
  const defaults = getProvider(provider === "enumerative" ? DEFAULT_PROVIDER : provider).defaults;
  const verbosityRaw = (opts.verbosity as string | undefined) ?? env.TEXT_VERBOSITY ?? defaults.verbosity;
  const candidate = {
    provider,
    attempts: opts.attempts ?? envNumber(env, "ATTEMPTS") ?? 5,
    trials: opts.trials ?? 1,
    // The paper's 5 is for API calls; each enumerator call is a CPU-bound search (one core each).
    // With --batch-api every grid point's attempt k goes into one batch: no limit on calls in flight.
    concurrency:
      opts.concurrency ??
      envNumber(env, "CONCURRENCY") ??
      (provider === "enumerative"
        ? availableParallelism()
        : opts.batchApi === true
          ? BATCH_API_CONCURRENCY
          : 5),
    batch: opts.batch ?? 1,
    timeoutS: opts.timeout ?? envNumber(env, "PER_CALL_TIMEOUT_S") ?? 1200,
    model,
    maxOutputTokens: opts.maxOutputTokens ?? envNumber(env, "MAX_OUTPUT_TOKENS") ?? DEFAULT_MAX_OUTPUT_TOKENS,
    reasoningEffort: opts.reasoningEffort ?? env.REASONING_EFFORT ?? defaults.reasoningEffort,
    verbosity: verbosityRaw === "off" || verbosityRaw === "" ? undefined : verbosityRaw,
    toolChoice: opts.toolChoice ?? env.TOOL_CHOICE ?? defaults.toolChoice,
    codeInterpreter: opts.enableCodeInterpreter === true || envBool(env, "ENABLE_CODE_INTERPRETER") === true,
    structuredOutput: opts.structuredOutput === true,
    thinkingBudget: opts.thinkingBudget,
    background: opts.background === true,
    batchApi: opts.batchApi === true,
    batchWindowH: opts.batchWindow ?? 24,
    batchPollS: opts.batchPoll,
    serviceTier: opts.serviceTier,
    flexFallback: opts.flexFallback ?? "auto",
    promptCache: opts.promptCache === true,
    testSelectedOnly: opts.testSelectedOnly === true,
    maxCostUsd: opts.maxCostUsd,
    maxTokens: opts.maxTokens,
    pricesFile: opts.prices,
    python: opts.python,
    fresh: opts.fresh === true,
    dryRun: opts.dryRun === true || envBool(env, "DRY_RUN") === true,
    preflight: opts.preflight !== false && opts.skipPreflight !== true,
    logLevel: opts.logLevel ?? env.LOG_LEVEL?.toLowerCase() ?? "info",
    enumMaxPrograms: opts.enumMaxPrograms,
    enumMaxSeconds: opts.enumMaxSeconds,
    enumMaxSize: opts.enumMaxSize,
  };
  const parsed = RunSettingsSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0] ?? "");
    throw new UsageError(`${FLAG_OF[key] ?? flagName(key)}: ${issue.message}`);
  }
  const shard = typeof opts.shard === "string" ? parseShard(opts.shard, env) : undefined;
  return {
    settings: parsed.data,
    ...(shard ? { shard } : {}),
    ...(providerAnnounce ? { providerAnnounce } : {}),
  };
}
