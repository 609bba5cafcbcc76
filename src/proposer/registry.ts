import { UsageError } from "../core/errors.js";
import type { ProviderEnv, ProviderModule, ProviderSupport } from "./provider-module.js";
import { anthropicProvider } from "./providers/anthropic.js";
import { geminiProvider } from "./providers/gemini.js";
import { openaiProvider } from "./providers/openai.js";
import { openaiChatProvider } from "./providers/openai-chat.js";

export type { ProviderEnv, ProviderModule, ResolvedProvider } from "./provider-module.js";
export { checkBaseUrl } from "./provider-module.js";

const PROVIDERS: readonly ProviderModule[] = [
  openaiProvider,
  openaiChatProvider,
  anthropicProvider,
  geminiProvider,
];

/** The provider a run uses when a key is set and --provider is not given. */
export const DEFAULT_PROVIDER = "openai";

/** The variables holding a key, of every provider (first names first). */
export const providerKeyNames = (): string[] => [...new Set(PROVIDERS.flatMap((p) => p.keyEnv))];

/** Whether any provider's key is set (then a model proposes; else the enumerator). */
export const anyProviderKey = (env: NodeJS.ProcessEnv): boolean =>
  providerKeyNames().some((name) => env[name] !== undefined && env[name] !== "");

/** The ids `--provider` takes besides `enumerative`. */
export const PROVIDER_IDS: readonly string[] = PROVIDERS.map((p) => p.id);

/** The providers that honour a cost option, by id ("openai and anthropic"). */
export const providersSupporting = (option: keyof ProviderSupport): string =>
  PROVIDERS.filter((p) => p.supports[option])
    .map((p) => p.id)
    .join(" and ");

/**
 * `--provider auto`: the provider a model's name calls for, as the authors' later runner chooses
 * (`claude-*` -> anthropic, `gemini-*` -> gemini, anything else -> openai). A provider this llm-erm
 * does not have (none today) would be a UsageError saying what to use instead.
 */
export function providerForModel(model: string): string {
  const id = model.startsWith("claude-") ? "anthropic" : model.startsWith("gemini-") ? "gemini" : "openai";
  if (!PROVIDERS.some((p) => p.id === id))
    throw new UsageError(
      `--provider auto: --model ${model} calls for the ${id} provider, which this llm-erm does not have yet; ` +
        `use --provider openai-chat with --base-url of an OpenAI-compatible endpoint for it`,
    );
  return id;
}

export function getProvider(id: string): ProviderModule {
  const p = PROVIDERS.find((m) => m.id === id);
  if (p === undefined)
    throw new UsageError(`--provider: unknown provider '${id}' (known: ${PROVIDER_IDS.join(", ")})`);
  return p;
}

/** The key and base URL a provider reads from the environment (--base-url first). */
export function providerEnv(
  p: ProviderModule,
  env: NodeJS.ProcessEnv,
  baseUrlFlag: string | undefined,
): ProviderEnv {
  const apiKey = p.keyEnv.map((name) => env[name]).find((v) => v !== undefined && v !== "");
  const baseURL = baseUrlFlag || env[p.baseUrlEnv] || undefined;
  return { apiKey, baseURL };
}
