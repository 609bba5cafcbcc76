import Anthropic, { APIConnectionError, APIError } from "@anthropic-ai/sdk";
import { UsageError } from "../core/errors.js";
import { checkBaseUrl } from "./provider-module.js";

export interface AnthropicPreflightOptions {
  readonly apiKey: string | undefined;
  readonly baseURL: string | undefined;
  readonly model: string;
  readonly timeoutMs?: number;
}

/**
 * Before the grid starts: ANTHROPIC_API_KEY is set, the base URL parses and answers, the key is
 * accepted and the API knows --model (`GET /v1/models/{model}`: no tokens). Never prints the key.
 */
export async function preflightAnthropic(opts: AnthropicPreflightOptions): Promise<void> {
  if (!opts.apiKey)
    throw new UsageError(
      "ANTHROPIC_API_KEY is not set: export it (--provider anthropic), or use --provider enumerative",
    );
  checkBaseUrl(opts.baseURL, "--base-url / ANTHROPIC_BASE_URL", "https://api.anthropic.com");
  const where = opts.baseURL ?? "https://api.anthropic.com";
  const client = new Anthropic({
    apiKey: opts.apiKey,
    ...(opts.baseURL ? { baseURL: opts.baseURL } : {}),
    maxRetries: 0,
    timeout: opts.timeoutMs ?? 15_000,
  });
  try {
    await client.models.retrieve(opts.model);
  } catch (err) {
    if (err instanceof APIConnectionError)
      throw new UsageError(
        `cannot reach the Anthropic API at ${where} (--base-url / ANTHROPIC_BASE_URL): ${err.message}`,
      );
    if (err instanceof APIError) {
      if (err.status === 401 || err.status === 403)
        throw new UsageError(
          `the server at ${where} rejected ANTHROPIC_API_KEY (HTTP ${err.status}): ${err.message}`,
        );
      if (err.status === 404)
        throw new UsageError(
          `--model ${opts.model}: the server at ${where} does not know this model (HTTP 404)`,
        );
      throw new UsageError(`pre-flight check against ${where} failed (HTTP ${err.status}): ${err.message}`);
    }
    throw err;
  }
}
