import { UsageError } from "../../core/errors.js";
import { createOpenAIBatchTransport } from "../batch/openai-batch.js";
import { preflightOpenAI } from "../openai-preflight.js";
import { BUILTIN_PRICES } from "../openai-pricing.js";
import { createOpenAIProposer } from "../openai-proposer.js";
import { OpenAIRequestConfigSchema, PAPER_REQUEST_DEFAULTS } from "../openai-request.js";
import type { ProviderModule } from "../provider-module.js";
import { packageVersion } from "../sdk-version.js";
import { flagOfOption } from "./options-error.js";

/**
 * `--provider openai`: the paper's proposer, OpenAI's Responses API (sync or `--background`), with the
 * paper's defaults. Its fingerprint is the one runs made before the registry existed have.
 */
export const openaiProvider: ProviderModule = {
  id: "openai",
  supports: { batchApi: true, serviceTier: true, promptCache: true },
  keyEnv: ["OPENAI_API_KEY"],
  baseUrlEnv: "OPENAI_BASE_URL",
  defaults: {
    reasoningEffort: PAPER_REQUEST_DEFAULTS.reasoningEffort,
    verbosity: PAPER_REQUEST_DEFAULTS.verbosity,
    toolChoice: PAPER_REQUEST_DEFAULTS.toolChoice,
  },
  prices: BUILTIN_PRICES,
  sdkVersions: () => ({ openai_sdk: packageVersion("openai") }),
  resolve(settings, env) {
    if (settings.thinkingBudget !== undefined)
      throw new UsageError(
        "--thinking-budget: only --provider anthropic and gemini take it (use --reasoning-effort)",
      );
    const parsed = OpenAIRequestConfigSchema.safeParse({
      model: settings.model,
      maxOutputTokens: settings.maxOutputTokens,
      reasoningEffort: settings.reasoningEffort ?? PAPER_REQUEST_DEFAULTS.reasoningEffort,
      verbosity: settings.verbosity,
      toolChoice: settings.toolChoice ?? PAPER_REQUEST_DEFAULTS.toolChoice,
      codeInterpreter: settings.codeInterpreter,
      structuredOutput: settings.structuredOutput,
    });
    if (!parsed.success) throw new UsageError(flagOfOption(parsed.error, "openai"));
    // Exactly the object (and key order) fingerprinted before the registry: existing runs resume.
    const request = {
      model: parsed.data.model,
      maxOutputTokens: parsed.data.maxOutputTokens,
      reasoningEffort: parsed.data.reasoningEffort,
      verbosity: parsed.data.verbosity,
      toolChoice: parsed.data.toolChoice,
      codeInterpreter: parsed.data.codeInterpreter,
      structuredOutput: parsed.data.structuredOutput,
    };
    const proposerId = `openai:${request.model}`;
    return {
      proposerId,
      fingerprint: { proposer: proposerId, request },
      baseURL: env.baseURL,
      preflight: () => preflightOpenAI({ apiKey: env.apiKey, baseURL: env.baseURL, model: request.model }),
      requireKey: () => {
        if (!env.apiKey)
          throw new UsageError("OPENAI_API_KEY is not set: export it, or use --provider enumerative");
      },
      createProposer: (onEvent) =>
        createOpenAIProposer({
          ...request,
          ...(env.apiKey ? { apiKey: env.apiKey } : {}),
          ...(env.baseURL ? { baseURL: env.baseURL } : {}),
          timeoutMs: settings.timeoutS * 1000,
          background: settings.background,
          serviceTier: settings.serviceTier,
          flexFallback: settings.flexFallback,
          promptCache: settings.promptCache,
          onEvent,
        }),
      createBatchTransport: (onEvent) =>
        createOpenAIBatchTransport({
          ...request,
          apiKey: env.apiKey,
          baseURL: env.baseURL,
          promptCache: settings.promptCache === true,
          onEvent,
        }),
    };
  },
};
