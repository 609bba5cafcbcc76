import OpenAI, { APIConnectionError, APIError } from "openai";
import { UsageError } from "../core/errors.js";
import { NO_KEY } from "./openai-chat-proposer.js";

export interface ChatPreflightOptions {
  readonly apiKey: string | undefined;
  readonly baseURL: string | undefined;
  readonly model: string;
  readonly timeoutMs?: number;
}

/** At most this many of the server's models are named when --model is not one of them. */
const MAX_LISTED = 30;

/**
 * Before the grid starts: the base URL parses and answers `GET /models`, the key (if the server wants
 * one) is accepted, and the server has --model; when it does not, the message names the models it
 * has. Costs no tokens. Never prints the key.
 */
export async function preflightChat(opts: ChatPreflightOptions): Promise<void> {
  const where = opts.baseURL ?? "https://api.openai.com/v1";
  const source = "--base-url / OPENAI_BASE_URL";
  if (opts.baseURL !== undefined) {
    let url: URL;
    try {
      url = new URL(opts.baseURL);
    } catch {
      throw new UsageError(
        `${source} '${opts.baseURL}' is not a URL (expected e.g. http://localhost:11434/v1 for Ollama)`,
      );
    }
    if (url.protocol !== "http:" && url.protocol !== "https:")
      throw new UsageError(`${source} '${opts.baseURL}': expected an http(s) URL`);
  }
  const client = new OpenAI({
    apiKey: opts.apiKey || NO_KEY,
    ...(opts.baseURL ? { baseURL: opts.baseURL } : {}),
    maxRetries: 0,
    timeout: opts.timeoutMs ?? 15_000,
  });
  const ids: string[] = [];
  try {
    for await (const m of client.models.list()) {
      ids.push(m.id);
      if (ids.includes(opts.model)) return;
    }
  } catch (err) {
    if (err instanceof APIConnectionError)
      throw new UsageError(`cannot reach the server at ${where} (${source}): ${err.message}`);
    if (err instanceof APIError) {
      if (err.status === 401 || err.status === 403)
        throw new UsageError(
          `the server at ${where} rejected ${opts.apiKey ? "OPENAI_API_KEY" : "the request without a key (set OPENAI_API_KEY)"} (HTTP ${err.status}): ${err.message}`,
        );
      throw new UsageError(
        `pre-flight GET ${where}/models failed (HTTP ${err.status}): ${err.message}; use --skip-preflight if the server has no /models`,
      );
    }
    throw err;
  }
  const listed = ids.slice(0, MAX_LISTED).join(", ");
  throw new UsageError(
    `--model ${opts.model}: the server at ${where} does not have this model; it has ${
      ids.length === 0 ? "none" : `${listed}${ids.length > MAX_LISTED ? `, ... (${ids.length} in all)` : ""}`
    }`,
  );
}
