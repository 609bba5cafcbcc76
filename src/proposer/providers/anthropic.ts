import { UsageError } from "../../core/errors.js";
import { preflightAnthropic } from "../anthropic-preflight.js";
import { AnthropicRequestConfigSchema, createAnthropicProposer } from "../anthropic-proposer.js";
import { createAnthropicBatchTransport } from "../batch/anthropic-batch.js";
import { COMPACT_DATE_SNAPSHOT, type PriceTable } from "../pricing.js";
import type { ProviderModule } from "../provider-module.js";
import { packageVersion } from "../sdk-version.js";
import { flagOfOption } from "./options-error.js";

/**
 * Message Batches are half of every rate below, cache reads and writes included
 * (https://platform.claude.com/docs/en/build-with-claude/batch-processing , "Pricing"): priceOfMode
 * applies that to entries without a `batch` of their own.
 *
 * List prices (USD / 1M tokens) as Anthropic published them when this was written: input, cache reads
 * (`cached_input`), 5-minute cache writes (`cache_write`), output (thinking included), from
 * platform.claude.com's pricing and model pages (read 2026-12-03). Exact ids and their dated snapshots
 * (`claude-sonnet-4-5-20250929`) only; override with `--prices FILE`. Haiku 5.5 at its rate for prompts
 * up to 100k tokens (the paper's prompts are far below; a longer prompt costs 5x). Sonnet 5.5's cache
 * reads are $0.10 since 2026-10-07 (0.20 before).
 */
export const ANTHROPIC_PRICES: PriceTable = {
  "claude-fable-5-1": { input: 10, cached_input: 0.25, cache_write: 12.5, output: 50 },
  "claude-fable-5": { input: 10, cached_input: 1, cache_write: 12.5, output: 50 },
  "claude-opus-5-5": { input: 4, cached_input: 0.2, cache_write: 5, output: 20 },
  "claude-opus-5": { input: 5, cached_input: 0.5, cache_write: 6.25, output: 25 },
  "claude-opus-4-8": { input: 5, cached_input: 0.5, cache_write: 6.25, output: 25 },
  "claude-opus-4-7": { input: 5, cached_input: 0.5, cache_write: 6.25, output: 25 },
  "claude-opus-4-6": { input: 5, cached_input: 0.5, cache_write: 6.25, output: 25 },
  "claude-sonnet-5-5": { input: 2, cached_input: 0.1, cache_write: 2.5, output: 10 },
  "claude-sonnet-5": { input: 2, cached_input: 0.2, cache_write: 2.5, output: 10 },
  "claude-sonnet-4-6": { input: 3, cached_input: 0.3, cache_write: 3.75, output: 15 },
  "claude-haiku-5-5": { input: 0.1, cached_input: 0.01, cache_write: 0.125, output: 0.5 },
  "claude-opus-4-5": { input: 5, cached_input: 0.5, cache_write: 6.25, output: 25 },
  "claude-opus-4-1": { input: 15, cached_input: 1.5, cache_write: 18.75, output: 75 },
  "claude-opus-4": { input: 15, cached_input: 1.5, cache_write: 18.75, output: 75 },
  "claude-sonnet-4-5": { input: 3, cached_input: 0.3, cache_write: 3.75, output: 15 },
  "claude-sonnet-4": { input: 3, cached_input: 0.3, cache_write: 3.75, output: 15 },
  "claude-haiku-4-5": { input: 1, cached_input: 0.1, cache_write: 1.25, output: 5 },
  "claude-3-5-haiku": { input: 0.8, cached_input: 0.08, cache_write: 1, output: 4 },
};

/**
 * `--provider anthropic`: the Messages API through `@anthropic-ai/sdk`, streamed; extended thinking with
 * `--thinking-budget`, `output_config.effort` with `--reasoning-effort`, the code execution tool with
 * `--enable-code-interpreter`, `output_config.format` (a `{code}` JSON schema) with `--structured-output`.
 */
export const anthropicProvider: ProviderModule = {
  id: "anthropic",
  supports: { batchApi: true, serviceTier: false, promptCache: true },
  keyEnv: ["ANTHROPIC_API_KEY"],
  baseUrlEnv: "ANTHROPIC_BASE_URL",
  defaults: {},
  prices: ANTHROPIC_PRICES,
  snapshot: COMPACT_DATE_SNAPSHOT,
  sdkVersions: () => ({ anthropic_sdk: packageVersion("@anthropic-ai/sdk") }),
  resolve(settings, env) {
    const refuse = (flag: string, why: string) => {
      throw new UsageError(`${flag}: not supported by --provider anthropic${why}`);
    };
    if (settings.background) refuse("--background", " (streaming keeps long calls alive)");
    if (settings.verbosity !== undefined) refuse("--verbosity", "");
    // New options only when set: the fingerprint of a run made without them stays what it was.
    const parsed = AnthropicRequestConfigSchema.safeParse({
      model: settings.model,
      maxOutputTokens: settings.maxOutputTokens,
      thinkingBudget: settings.thinkingBudget,
      effort: settings.reasoningEffort,
      codeExecution: settings.codeInterpreter ? true : undefined,
      structuredOutput: settings.structuredOutput ? true : undefined,
    });
    if (!parsed.success) throw new UsageError(flagOfOption(parsed.error, "anthropic"));
    const request = parsed.data;
    if (request.thinkingBudget !== undefined && request.thinkingBudget >= request.maxOutputTokens)
      throw new UsageError(
        `--thinking-budget ${request.thinkingBudget}: must be below --max-output-tokens (${request.maxOutputTokens})`,
      );
    const proposerId = `anthropic:${request.model}`;
    return {
      proposerId,
      fingerprint: { proposer: proposerId, request },
      baseURL: env.baseURL,
      preflight: () => preflightAnthropic({ apiKey: env.apiKey, baseURL: env.baseURL, model: request.model }),
      requireKey: () => {
        if (!env.apiKey)
          throw new UsageError("ANTHROPIC_API_KEY is not set: export it, or use --provider enumerative");
      },
      createProposer: (onEvent) =>
        createAnthropicProposer({
          ...request,
          apiKey: env.apiKey,
          baseURL: env.baseURL,
          timeoutMs: settings.timeoutS * 1000,
          promptCache: settings.promptCache === true,
          onEvent,
        }),
      createBatchTransport: (onEvent) =>
        createAnthropicBatchTransport({
          ...request,
          apiKey: env.apiKey,
          baseURL: env.baseURL,
          promptCache: settings.promptCache === true,
          onEvent,
        }),
    };
  },
};
