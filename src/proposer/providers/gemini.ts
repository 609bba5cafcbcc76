import { UsageError } from "../../core/errors.js";
import { preflightGemini } from "../gemini-preflight.js";
import {
  createGeminiProposer,
  GEMINI_THINKING_LEVELS,
  GeminiRequestConfigSchema,
} from "../gemini-proposer.js";
import type { PriceTable } from "../pricing.js";
import type { ProviderModule } from "../provider-module.js";
import { packageVersion } from "../sdk-version.js";
import { flagOfOption } from "./options-error.js";

/**
 * List prices (USD / 1M tokens) of the Gemini API's paid (Standard) tier, for prompts up to 200k
 * tokens (gemini-2.5-pro costs more above: ours are far shorter). Thinking is billed as output. Cache
 * reads are priced as input here (conservative; give their rate with `--prices FILE`). Exact ids and
 * their numbered versions (`gemini-2.5-flash-001`) only.
 *
 * Checked 2026-12-03 against Google's pricing page (ai.google.dev/gemini-api/docs/pricing) as quoted
 * by morphllm.com/gemini-api-pricing, deploybase.ai/articles/gemini-api-pricing (March 2026) and
 * nicolalazzari.ai (2026): 2.5 Pro $1.25 / $10, 2.5 Flash $0.30 / $2.50, 2.5 Flash-Lite $0.10 / $0.40.
 * gemini-2.0-flash is gone from the table: Google shut it down on 2026-06-01. Gemini 3 previews, as
 * the pricing page lists them (quoted by factquire.com, accessed 2026-07-04, and aifreeapi.com,
 * 2026-02-04): 3 Pro Preview $2 / $12, 3 Flash Preview $0.50 / $3.
 */
export const GEMINI_PRICES: PriceTable = {
  "gemini-3-pro-preview": { input: 2, output: 12 },
  "gemini-3-flash-preview": { input: 0.5, output: 3 },
  "gemini-2.5-pro": { input: 1.25, output: 10 },
  "gemini-2.5-flash": { input: 0.3, output: 2.5 },
  "gemini-2.5-flash-lite": { input: 0.1, output: 0.4 },
};

/** Models that take a thinking budget but no thinking level (Gemini 1.x and 2.x; levels came with Gemini 3). */
const BUDGET_ONLY_MODEL = /^gemini-[12]\./;

/** How Gemini names a fixed version of a model: `<id>-NNN` (gemini-2.0-flash-001 is gemini-2.0-flash). */
export const GEMINI_VERSION_SNAPSHOT = /^(.+)-\d{3}$/;

/**
 * `--provider gemini`: generateContent through `@google/genai` 2.x (Node 20), streamed
 * (streamGenerateContent); `--thinking-budget` and `--reasoning-effort` (thinkingLevel) as its
 * thinkingConfig, the code execution tool, JSON output with a `{code}` schema.
 */
export const geminiProvider: ProviderModule = {
  id: "gemini",
  supports: { batchApi: false, serviceTier: false, promptCache: false },
  keyEnv: ["GEMINI_API_KEY", "GOOGLE_API_KEY"],
  baseUrlEnv: "GOOGLE_GEMINI_BASE_URL",
  defaults: {},
  prices: GEMINI_PRICES,
  snapshot: GEMINI_VERSION_SNAPSHOT,
  sdkVersions: () => ({ google_genai_sdk: packageVersion("@google/genai") }),
  resolve(settings, env) {
    const refuse = (flag: string, why: string) => {
      throw new UsageError(`${flag}: not supported by --provider gemini${why}`);
    };
    if (settings.background) refuse("--background", " (streaming keeps long calls alive)");
    if (settings.verbosity !== undefined) refuse("--verbosity", "");
    const effort = settings.reasoningEffort;
    let thinkingLevel: string | undefined;
    if (effort !== undefined) {
      if (!Object.hasOwn(GEMINI_THINKING_LEVELS, effort))
        refuse(
          `--reasoning-effort ${effort}`,
          ` (its thinkingLevel takes ${Object.keys(GEMINI_THINKING_LEVELS).join(", ")}; or use --thinking-budget)`,
        );
      if (BUDGET_ONLY_MODEL.test(settings.model))
        throw new UsageError(
          `--reasoning-effort: ${settings.model} takes no thinking level (Gemini 3 models do); use --thinking-budget ` +
            "(-1 dynamic, 0 off, or tokens) (--provider gemini)",
        );
      thinkingLevel = effort.toUpperCase();
    }
    if (thinkingLevel !== undefined && settings.thinkingBudget !== undefined)
      throw new UsageError("--reasoning-effort and --thinking-budget: give one (--provider gemini)");
    const parsed = GeminiRequestConfigSchema.safeParse({
      model: settings.model,
      maxOutputTokens: settings.maxOutputTokens,
      thinkingBudget: settings.thinkingBudget,
      thinkingLevel,
      codeExecution: settings.codeInterpreter,
      structuredOutput: settings.structuredOutput,
    });
    if (!parsed.success) throw new UsageError(flagOfOption(parsed.error, "gemini"));
    const request = parsed.data;
    const proposerId = `gemini:${request.model}`;
    return {
      proposerId,
      fingerprint: { proposer: proposerId, request },
      baseURL: env.baseURL,
      preflight: () => preflightGemini({ apiKey: env.apiKey, baseURL: env.baseURL, model: request.model }),
      requireKey: () => {
        if (!env.apiKey)
          throw new UsageError(
            "GEMINI_API_KEY (or GOOGLE_API_KEY) is not set: export it, or use --provider enumerative",
          );
      },
      createProposer: (onEvent) =>
        createGeminiProposer({
          ...request,
          apiKey: env.apiKey,
          baseURL: env.baseURL,
          timeoutMs: settings.timeoutS * 1000,
          onEvent,
        }),
    };
  },
};
