/**
 * What a provider module is (the registry lists them; each provider implements this), in a module of
 * its own so that providers and the registry do not import each other.
 */
import { UsageError } from "../core/errors.js";
import type { BatchTransport } from "./batch/batch-transport.js";
import type { PriceTable } from "./pricing.js";
import type { Proposer } from "./proposer.js";
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
  /** The provider's batch API (`--batch-api`); absent: the provider has none here. */
  createBatchTransport?(onEvent: (event: string, fields: Record<string, unknown>) => void): BatchTransport;
}

/** The cost options a provider honours; a flag it does not is refused, naming the flag. */
export interface ProviderSupport {
  readonly batchApi: boolean;
  readonly serviceTier: boolean;
  readonly promptCache: boolean;
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
  /** The cost options it honours: `--batch-api`, `--service-tier`, `--prompt-cache`. */
  readonly supports: ProviderSupport;
  /** The SDK's version(s), for the run manifest's `versions` (`{openai_sdk: "6.49.0"}`). */
  sdkVersions(): Record<string, string>;
  /** Validates the options it uses (zod; a UsageError naming the flag) and configures a run. */
  resolve(settings: ProviderSettings, env: ProviderEnv): ResolvedProvider;
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
