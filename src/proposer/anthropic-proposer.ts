import Anthropic, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from "@anthropic-ai/sdk";
import { z } from "zod";
import {
  CallAbortedError,
  type Proposal,
  type Proposer,
  type ProposerContext,
  type ProposerSession,
  type Usage,
} from "./proposer.js";
import { DEFAULT_RETRY_POLICY, type RetryPolicy, retryAfterMs, withRetryBy } from "./retry.js";
import { makeUsage } from "./usage.js";

/** The options `--provider anthropic` sends (validated by its provider module). */
export const AnthropicRequestConfigSchema = z.object({
  model: z.string().min(1),
  maxOutputTokens: z.number().int().positive(),
  /** Extended thinking's budget_tokens (undefined: no thinking). At least 1024, below max_tokens. */
  thinkingBudget: z.number().int().min(1024).optional(),
});
export type AnthropicRequestConfig = z.infer<typeof AnthropicRequestConfigSchema>;

export interface AnthropicProposerOptions extends AnthropicRequestConfig {
  readonly apiKey?: string | undefined;
  readonly baseURL?: string | undefined;
  readonly timeoutMs: number;
  /** --prompt-cache: the prompt goes as a text block with cache_control (attempts 2.. read it cached). */
  readonly promptCache?: boolean;
  readonly retry?: RetryPolicy;
  readonly onEvent?: (event: string, fields: Record<string, unknown>) => void;
}

/** Anthropic's usage object (message_start's, message_delta's): every field optional, servers vary. */
const WireUsage = z
  .object({
    input_tokens: z.number().nullish(),
    output_tokens: z.number().nullish(),
    cache_creation_input_tokens: z.number().nullish(),
    cache_read_input_tokens: z.number().nullish(),
  })
  .passthrough();
type WireUsage = z.infer<typeof WireUsage>;

/**
 * Anthropic's usage onto the provider-neutral one: its `input_tokens` excludes the cache, so input is
 * the sum of plain input, cache reads and cache writes. Thinking is billed inside `output_tokens`;
 * the API does not report it apart, so `reasoning_tokens` stays 0 (the thinking text is recorded).
 */
export function anthropicUsage(u: WireUsage): Usage {
  const read = u.cache_read_input_tokens ?? 0;
  const write = u.cache_creation_input_tokens ?? 0;
  return makeUsage({
    input: (u.input_tokens ?? 0) + read + write,
    output: u.output_tokens ?? 0,
    cachedRead: read,
    cacheWrite: write,
  });
}

/** The stream events read (the documented SSE format); anything else is ignored. */
const StreamEvent = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("message_start"),
    message: z.object({ id: z.string().optional(), usage: WireUsage.optional() }).passthrough(),
  }),
  z.object({
    type: z.literal("content_block_delta"),
    index: z.number(),
    delta: z
      .object({ type: z.string(), text: z.string().optional(), thinking: z.string().optional() })
      .passthrough(),
  }),
  z.object({
    type: z.literal("message_delta"),
    delta: z.object({ stop_reason: z.string().nullish() }).passthrough(),
    usage: WireUsage.optional(),
  }),
]);

interface MessagesAnswer {
  readonly id: string | undefined;
  readonly text: string;
  readonly thinking: string;
  readonly stopReason: string | undefined;
  readonly usage: Usage | undefined;
}

/**
 * The one user message: the prompt as plain content, or with --prompt-cache as a text block marked
 * `cache_control: ephemeral` (a cache breakpoint at the prompt's end: the whole prompt is cached).
 */
export function anthropicUserMessage(prompt: string, cache: boolean): Anthropic.MessageParam {
  return cache
    ? { role: "user", content: [{ type: "text", text: prompt, cache_control: { type: "ephemeral" } }] }
    : { role: "user", content: prompt };
}

/** 408/409/429/5xx (529 overloaded among them), an `overloaded_error` mid-stream, dropped connections. */
export function isRetryableAnthropic(err: unknown): boolean {
  if (err instanceof APIUserAbortError || err instanceof APIConnectionTimeoutError) return false;
  if (err instanceof APIConnectionError) return true;
  if (err instanceof APIError) {
    if (typeof err.status === "number")
      return err.status === 408 || err.status === 409 || err.status === 429 || err.status >= 500;
    // An `event: error` in the stream has no status: overloaded and api errors are worth another try.
    return /overloaded_error|api_error/.test(err.message);
  }
  // The stream cut after it started (undici's "terminated"): a dropped connection.
  return err instanceof TypeError;
}

export function describeAnthropicError(err: unknown): string {
  if (err instanceof APIConnectionTimeoutError) return "timeout: the call exceeded --timeout";
  if (err instanceof APIConnectionError) return `connection error: ${err.message}`;
  if (err instanceof APIError) return `HTTP ${err.status ?? "?"}: ${err.message}`;
  if (err instanceof TypeError) return `connection error: stream cut: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

/**
 * `--provider anthropic`: every `next()` is one streamed Messages call through `@anthropic-ai/sdk`
 * (long max_tokens need streaming). Thinking text is recorded; `stop_reason: max_tokens` is an
 * `incomplete` attempt with that reason; failures after retries come back as data.
 */
export function createAnthropicProposer(opts: AnthropicProposerOptions): Proposer {
  const client = new Anthropic({
    apiKey: opts.apiKey ?? null,
    ...(opts.baseURL ? { baseURL: opts.baseURL } : {}),
    maxRetries: 0,
    timeout: opts.timeoutMs,
  });
  const retry = opts.retry ?? DEFAULT_RETRY_POLICY;
  const emit = opts.onEvent ?? (() => {});

  const call = async (prompt: string, signal: AbortSignal): Promise<MessagesAnswer> => {
    const events = await client.messages.create(
      {
        model: opts.model,
        max_tokens: opts.maxOutputTokens,
        messages: [anthropicUserMessage(prompt, opts.promptCache === true)],
        ...(opts.thinkingBudget !== undefined
          ? { thinking: { type: "enabled", budget_tokens: opts.thinkingBudget } }
          : {}),
        stream: true,
      },
      { signal, timeout: opts.timeoutMs },
    );
    let id: string | undefined;
    let text = "";
    let thinking = "";
    let stopReason: string | undefined;
    let usage: WireUsage | undefined;
    for await (const raw of events) {
      const parsed = StreamEvent.safeParse(raw);
      if (!parsed.success) continue;
      const e = parsed.data;
      if (e.type === "message_start") {
        id = e.message.id;
        usage = e.message.usage;
      } else if (e.type === "content_block_delta") {
        if (e.delta.type === "text_delta") text += e.delta.text ?? "";
        else if (e.delta.type === "thinking_delta") thinking += e.delta.thinking ?? "";
      } else {
        stopReason = e.delta.stop_reason ?? stopReason;
        // message_delta's usage is cumulative: its fields replace message_start's.
        if (e.usage) {
          const defined = Object.fromEntries(
            Object.entries(e.usage).filter(([, v]) => v !== null && v !== undefined),
          );
          usage = { ...usage, ...defined };
        }
      }
    }
    return { id, text, thinking, stopReason, usage: usage ? anthropicUsage(usage) : undefined };
  };

  return {
    id: `anthropic:${opts.model}`,
    open(ctx: ProposerContext): ProposerSession {
      return {
        async next(): Promise<Proposal> {
          const started = performance.now();
          const meta: Record<string, unknown> = {};
          let a: MessagesAnswer;
          try {
            a = await withRetryBy(() => call(ctx.prompt, ctx.signal), retry, {
              isRetryable: isRetryableAnthropic,
              retryAfterMs: (err) => (err instanceof APIError ? retryAfterMs(err.headers) : undefined),
              describe: describeAnthropicError,
              signal: ctx.signal,
              onRetry: (info) => emit("retry", info),
            });
          } catch (err) {
            if (ctx.signal.aborted) throw new CallAbortedError(ctx.signal.reason, undefined);
            const failed = {
              text: "",
              error: describeAnthropicError(err),
              durationMs: performance.now() - started,
            };
            return err instanceof APIError && typeof err.status === "number"
              ? failed
              : { ...failed, usageUnknown: true };
          }
          if (a.id !== undefined) meta.response_id = a.id;
          meta.stop_reason = a.stopReason ?? null;
          if (a.thinking !== "") meta.reasoning = a.thinking;
          const incomplete =
            a.stopReason === "max_tokens" || a.stopReason === "refusal" ? a.stopReason : undefined;
          return {
            text: a.text,
            ...(a.usage ? { usage: a.usage } : { usageUnknown: true }),
            durationMs: performance.now() - started,
            meta,
            ...(incomplete !== undefined ? { incompleteReason: incomplete } : {}),
          };
        },
      };
    },
  };
}
