import { UsageError } from "../core/errors.js";
import { isGeminiApiError, loadGenAI } from "./gemini-proposer.js";
import { checkBaseUrl } from "./provider-module.js";

export interface GeminiPreflightOptions {
  readonly apiKey: string | undefined;
  readonly baseURL: string | undefined;
  readonly model: string;
  readonly timeoutMs?: number;
}

const DEFAULT_BASE = "https://generativelanguage.googleapis.com";

/**
 * Before the grid starts: GEMINI_API_KEY (or GOOGLE_API_KEY) is set, the base URL parses and answers,
 * the key is accepted and the API knows --model (`GET /v1beta/models/{model}`: no tokens). Never
 * prints the key.
 */
export async function preflightGemini(opts: GeminiPreflightOptions): Promise<void> {
  if (!opts.apiKey)
    throw new UsageError(
      "GEMINI_API_KEY (or GOOGLE_API_KEY) is not set: export it (--provider gemini), or use --provider enumerative",
    );
  checkBaseUrl(opts.baseURL, "--base-url / GOOGLE_GEMINI_BASE_URL", DEFAULT_BASE);
  const where = opts.baseURL ?? DEFAULT_BASE;
  const { GoogleGenAI } = await loadGenAI();
  const client = new GoogleGenAI({
    vertexai: false,
    apiKey: opts.apiKey,
    httpOptions: { ...(opts.baseURL ? { baseUrl: opts.baseURL } : {}), timeout: opts.timeoutMs ?? 15_000 },
  });
  try {
    await client.models.get({ model: opts.model });
  } catch (err) {
    if (isGeminiApiError(err)) {
      // Gemini answers a bad key with 400 API_KEY_INVALID, a key without access with 401/403.
      if (
        err.status === 401 ||
        err.status === 403 ||
        (err.status === 400 && /API_KEY|API key/i.test(err.message))
      )
        throw new UsageError(
          `the server at ${where} rejected GEMINI_API_KEY (HTTP ${err.status}): ${err.message}`,
        );
      if (err.status === 404)
        throw new UsageError(
          `--model ${opts.model}: the server at ${where} does not know this model (HTTP 404)`,
        );
      throw new UsageError(`pre-flight check against ${where} failed (HTTP ${err.status}): ${err.message}`);
    }
    if (err instanceof Error)
      throw new UsageError(
        `cannot reach the Gemini API at ${where} (--base-url / GOOGLE_GEMINI_BASE_URL): ${err.message}${err.cause instanceof Error ? `: ${err.cause.message}` : ""}`,
      );
    throw err;
  }
}
