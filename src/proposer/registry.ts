import { UsageError } from "../core/errors.js";
import type { PriceTable } from "./pricing.js";
import type { Proposer } from "./proposer.js";
import { anthropicProvider } from "./providers/anthropic.js";
import { geminiProvider } from "./providers/gemini.js";
import { openaiProvider } from "./providers/openai.js";
import { openaiChatProvider } from "./providers/openai-chat.js";
import type { ProviderSettings, RequestDefaults } from "./request-options.js";

/** Where a provider's key and base URL come from, resolved (never logged, never written). */
export interface ProviderEnv {
  readonly apiKey: string | undefined;
  /** --base-url, else the provider's base-URL variable; undefined: the SDK's default. */
  readonly baseURL: string | undefined;
}

/** A provider configured for one run: what the runner needs of it, and nothing provider-specific. */
export interface ResolvedProvider {
  /** Recorded in every attempt (`openai:gpt-5`). */
  readonly proposerId: string;
  /** This provider's part of the run's config fingerprint (proposer and request). */
  readonly fingerprint: Readonly<Record<string, unknown>>;
  /** Base URL in use (null: the SDK's default). */
  readonly baseURL: string | undefined;
  /** Checks key, base URL and model before the grid starts (a UsageError naming what to fix). */
  preflight(): Promise<void>;
  /** Without the pre-flight: only that the key it needs is set. */
  requireKey(): void;
  createProposer(onEvent: (event: string, fields: Record<string, unknown>) => void): Proposer;
}

/** One provider: its id, key and base-URL variables, defaults, prices, SDK, and how to configure it. */
export interface ProviderModule {
  readonly id: string;
  /** Variables holding the key, in order of preference; the first is the one named in errors. */
  readonly keyEnv: readonly string[];
  /** The variable holding the base URL (also --base-url). */
  readonly baseUrlEnv: string;
  /** Defaults of the options a flag leaves unset. */
  readonly defaults: RequestDefaults;
  /** Built-in prices (USD / 1M tokens), exact ids and dated snapshots only; `--prices` goes on top. */
  readonly prices: PriceTable;
  /** How the provider names a dated snapshot of a model (its id without the date has its price). */
  readonly snapshot?: RegExp;
  /** The SDK's version(s), for the run manifest's `versions` (`{openai_sdk: "6.49.0"}`). */
  sdkVersions(): Record<string, string>;
  /** Validates the options it uses (zod; a UsageError naming the flag) and configures a run. */
  resolve(settings: ProviderSettings, env: ProviderEnv): ResolvedProvider;
}

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

/** Checks a base URL before any call: a UsageError naming where it came from. */
export function checkBaseUrl(baseURL: string | undefined, source: string, example: string): void {
  if (baseURL === undefined) return;
  let url: URL;
  try {
    url = new URL(baseURL);
  } catch {
    throw new UsageError(`${source} '${baseURL}' is not a URL (expected e.g. ${example})`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`${source} '${baseURL}': expected an http(s) URL`);
  }
}
