import { UsageError } from "../../core/errors.js";
import { preflightChat } from "../openai-chat-preflight.js";
import { ChatRequestConfigSchema, createChatProposer } from "../openai-chat-proposer.js";
import { BUILTIN_PRICES } from "../openai-pricing.js";
import type { ProviderModule } from "../provider-module.js";
import { packageVersion } from "../sdk-version.js";
import { flagOfOption } from "./options-error.js";

/**
 * `--provider openai-chat`: Chat Completions through the `openai` SDK, for any OpenAI-compatible
 * server (vLLM, Ollama, llama.cpp, SGLang, LM Studio, or OpenAI itself) at `--base-url` /
 * `OPENAI_BASE_URL`. Streamed. Sends `reasoning_effort` and `verbosity` only when a flag sets them (a
 * local model may refuse them). No code tool, no background mode.
 */
export const openaiChatProvider: ProviderModule = {
  id: "openai-chat",
  supports: { batchApi: false, serviceTier: false, promptCache: false },
  keyEnv: ["OPENAI_API_KEY"],
  baseUrlEnv: "OPENAI_BASE_URL",
  defaults: {},
  // OpenAI's own models, when the server is OpenAI's; a local model has no price (--prices gives one).
  prices: BUILTIN_PRICES,
  sdkVersions: () => ({ openai_sdk: packageVersion("openai") }),
  resolve(settings, env) {
    if (settings.thinkingBudget !== undefined)
      throw new UsageError(
        "--thinking-budget: only --provider anthropic and gemini take it (use --reasoning-effort)",
      );
    if (settings.codeInterpreter)
      throw new UsageError(
        "--enable-code-interpreter: Chat Completions has no code tool (--provider openai-chat); use --provider openai",
      );
    if (settings.background)
      throw new UsageError("--background: only --provider openai (the Responses API) has background mode");
    const parsed = ChatRequestConfigSchema.safeParse({
      model: settings.model,
      maxOutputTokens: settings.maxOutputTokens,
      reasoningEffort: settings.reasoningEffort,
      verbosity: settings.verbosity,
      structuredOutput: settings.structuredOutput,
    });
    if (!parsed.success) throw new UsageError(flagOfOption(parsed.error, "openai-chat"));
    const request = parsed.data;
    const proposerId = `openai-chat:${request.model}`;
    return {
      proposerId,
      fingerprint: { proposer: proposerId, request },
      baseURL: env.baseURL,
      preflight: () => preflightChat({ apiKey: env.apiKey, baseURL: env.baseURL, model: request.model }),
      // A local server needs no key: nothing to require.
      requireKey: () => {},
      createProposer: (onEvent) =>
        createChatProposer({
          ...request,
          apiKey: env.apiKey,
          baseURL: env.baseURL,
          timeoutMs: settings.timeoutS * 1000,
          onEvent,
        }),
    };
  },
};
