import Anthropic, { APIError } from "@anthropic-ai/sdk";
import {
  type AnthropicRequestConfig,
  anthropicMessageParams,
  anthropicUsageOf,
  describeAnthropicError,
  isRetryableAnthropic,
} from "../anthropic-proposer.js";
import type { Usage } from "../proposer.js";
import { DEFAULT_RETRY_POLICY, type RetryPolicy, retryAfterMs, withRetryBy } from "../retry.js";
import type { BatchItem, BatchState, BatchTransport, ItemResult } from "./batch-transport.js";

/** The same request options as the streamed proposer's (thinking, effort, code tool, structured output). */
export interface AnthropicBatchOptions extends AnthropicRequestConfig {
  /** cache_control on every request's prompt. */
  readonly promptCache?: boolean;
  readonly apiKey?: string | undefined;
  readonly baseURL?: string | undefined;
  readonly retry?: RetryPolicy;
  readonly onEvent?: (event: string, fields: Record<string, unknown>) => void;
}

/** Errors worth a new batch (the API's own transient ones); anything else is the request's fault. */
const TRANSIENT = /overloaded_error|api_error|rate_limit_error|timeout_error/;

/** A usage the result carried, or the attempt marked as of unknown usage. */
const usageField = (usage: Usage | undefined) => (usage ? { usage } : { usageUnknown: true as const });

/** What one result line means for its attempt. */
export function interpretMessageBatchResult(result: Anthropic.Messages.MessageBatchResult): ItemResult {
  if (result.type === "expired" || result.type === "canceled")
    return { kind: "missing", reason: result.type };
  if (result.type === "errored") {
    const e = result.error.error;
    const message = `${e.type}: ${e.message}`;
    return TRANSIENT.test(e.type)
      ? { kind: "missing", reason: message }
      : { kind: "answer", proposal: { text: "", error: `batch request errored: ${message}` } };
  }
  const m = result.message;
  let text = "";
  let thinking = "";
  for (const block of m.content) {
    if (block.type === "text") text += block.text;
    else if (block.type === "thinking") thinking += block.thinking;
  }
  const incomplete =
    m.stop_reason === "max_tokens" || m.stop_reason === "refusal" ? m.stop_reason : undefined;
  return {
    kind: "answer",
    proposal: {
      text,
      ...usageField(anthropicUsageOf(m.usage)),
      meta: {
        response_id: m.id,
        stop_reason: m.stop_reason ?? null,
        ...(thinking !== "" ? { reasoning: thinking } : {}),
      },
      ...(incomplete !== undefined ? { incompleteReason: incomplete } : {}),
    },
  };
}

/**
 * Anthropic's Message Batches for `--batch-api`: messages.batches.create with the wave's requests,
 * retrieve until `ended`, and the results JSONL read by custom id.
 */
export function createAnthropicBatchTransport(opts: AnthropicBatchOptions): BatchTransport {
  const client = new Anthropic({
    apiKey: opts.apiKey ?? null,
    ...(opts.baseURL ? { baseURL: opts.baseURL } : {}),
    maxRetries: 0,
    timeout: 120_000,
  });
  const retry = opts.retry ?? DEFAULT_RETRY_POLICY;
  const emit = opts.onEvent ?? (() => {});
  const retried = <T>(call: () => Promise<T>, signal: AbortSignal) =>
    withRetryBy(call, retry, {
      isRetryable: isRetryableAnthropic,
      retryAfterMs: (err) => (err instanceof APIError ? retryAfterMs(err.headers) : undefined),
      describe: describeAnthropicError,
      signal,
      onRetry: (info) => emit("retry", info),
    });

  return {
    provider: "anthropic",
    async submit(items: readonly BatchItem[], signal: AbortSignal): Promise<string> {
      const requests = items.map((it) => ({
        custom_id: it.customId,
        params: anthropicMessageParams(it.prompt, opts, opts.promptCache === true),
      }));
      const b = await retried(() => client.messages.batches.create({ requests }, { signal }), signal);
      return b.id;
    },
    async retrieve(id: string, signal: AbortSignal): Promise<BatchState> {
      const b = await client.messages.batches.retrieve(id, {}, { signal });
      const c = b.request_counts;
      return {
        id,
        status: b.processing_status,
        ended: b.processing_status === "ended",
        counts: {
          total: c.processing + c.succeeded + c.errored + c.canceled + c.expired,
          done: c.succeeded,
          failed: c.errored + c.canceled + c.expired,
        },
      };
    },
    async results(id: string, signal: AbortSignal): Promise<Map<string, ItemResult>> {
      return retried(async () => {
        const out = new Map<string, ItemResult>();
        for await (const line of await client.messages.batches.results(id, {}, { signal }))
          out.set(line.custom_id, interpretMessageBatchResult(line.result));
        return out;
      }, signal);
    },
    async cancel(id: string): Promise<void> {
      try {
        await client.messages.batches.cancel(id);
      } catch (err) {
        emit("batch_cancel_failed", { batch_id: id, error: describeAnthropicError(err) });
      }
    },
  };
}
