import OpenAI, { APIConnectionError, APIError } from "openai";
import { UsageError } from "../core/errors.js";

export interface PreflightOptions {
  readonly apiKey: string | undefined;
  readonly baseURL: string | undefined;
  readonly model: string;
  readonly timeoutMs?: number;
  /** For tests; otherwise a client with maxRetries 0 is made. */
  readonly client?: OpenAI;
}

/**
 * Checks, before the grid starts, that a call can succeed: a key is set, the base URL parses and
 * answers, the key is accepted and the server knows the model. One `GET /models/{model}`: it costs
 * no tokens (a 1-token Responses call would bill a request for every run). Throws a UsageError whose
 * message names the variable or flag to fix (exit 2). Never prints the key.
 */
export async function preflightOpenAI(opts: PreflightOptions): Promise<void> {
  if (!opts.apiKey) {
    throw new UsageError(
      "OPENAI_API_KEY is not set: export it, or use --provider enumerative to run the built-in enumerator",
    );
  }
  const where = opts.baseURL ?? "https://api.openai.com/v1";
  if (opts.baseURL !== undefined) {
    let url: URL;
    try {
      url = new URL(opts.baseURL);
    } catch {
      throw new UsageError(
        `OPENAI_BASE_URL '${opts.baseURL}' is not a URL (expected e.g. https://api.openai.com/v1)`,
      );
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new UsageError(`OPENAI_BASE_URL '${opts.baseURL}': expected an http(s) URL`);
    }
  }
  const client =
    opts.client ??
    new OpenAI({
      apiKey: opts.apiKey,
      ...(opts.baseURL ? { baseURL: opts.baseURL } : {}),
      maxRetries: 0,
      timeout: opts.timeoutMs ?? 15_000,
    });
  try {
    await client.models.retrieve(opts.model);
  } catch (err) {
    if (err instanceof APIConnectionError) {
      throw new UsageError(`cannot reach the OpenAI API at ${where} (OPENAI_BASE_URL): ${err.message}`);
    }
    if (err instanceof APIError) {
      if (err.status === 401 || err.status === 403) {
        throw new UsageError(
          `the server at ${where} rejected OPENAI_API_KEY (HTTP ${err.status}): ${err.message}`,
        );
      }
      if (err.status === 404) {
        throw new UsageError(
          `--model ${opts.model}: the server at ${where} does not know this model (HTTP 404)`,
        );
      }
      throw new UsageError(`pre-flight check against ${where} failed (HTTP ${err.status}): ${err.message}`);
    }
    throw err;
  }
}
