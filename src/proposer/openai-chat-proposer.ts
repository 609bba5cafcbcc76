import OpenAI, { APIConnectionError, APIError, APIUserAbortError } from "openai";
import { z } from "zod";
import { CODE_SCHEMA } from "./openai-request.js";
import { DEFAULT_RETRY_POLICY, describeError, type RetryPolicy, withRetry } from "./openai-retry.js";
import { normaliseUsage } from "./openai-usage.js";
import {
  CallAbortedError,
  type Proposal,
  type Proposer,
  type ProposerContext,
  type ProposerSession,
  type Usage,
} from "./proposer.js";
import { REASONING_EFFORTS, VERBOSITIES } from "./request-options.js";

/** The options `--provider openai-chat` sends (validated by its provider module). */
export const ChatRequestConfigSchema = z.object({
  model: z.string().min(1),
  maxOutputTokens: z.number().int().positive(),
  /** undefined: no reasoning_effort in the request (a local model may not take one). */
  reasoningEffort: z.enum(REASONING_EFFORTS).optional(),
  /** undefined: no verbosity in the request. */
  verbosity: z.enum(VERBOSITIES).optional(),
  structuredOutput: z.boolean(),
});
export type ChatRequestConfig = z.infer<typeof ChatRequestConfigSchema>;

export interface ChatProposerOptions extends ChatRequestConfig {
  readonly client?: OpenAI;
  readonly apiKey?: string | undefined;
  readonly baseURL?: string | undefined;
  readonly timeoutMs: number;
  /** Default true: `stream: true` with usage in the last chunk (long generations never sit idle). */
  readonly stream?: boolean;
  readonly retry?: RetryPolicy;
  readonly onEvent?: (event: string, fields: Record<string, unknown>) => void;
}

/**
 * A local server (Ollama, vLLM, llama.cpp) needs no key, but the SDK wants one: this placeholder is sent
 * instead (never a real key).
 */
export const NO_KEY = "no-key";

/** The Chat Completions request: one user message, max_tokens, and what the flags set. */
export function buildChatRequest(
  prompt: string,
  cfg: ChatRequestConfig,
  stream: boolean,
): OpenAI.Chat.ChatCompletionCreateParams {
  return {
    model: cfg.model,
    messages: [{ role: "user", content: prompt }],
    // max_tokens: what every OpenAI-compatible server takes (vLLM, Ollama, llama.cpp, SGLang, LM Studio).
    max_tokens: cfg.maxOutputTokens,
    ...(cfg.reasoningEffort !== undefined ? { reasoning_effort: cfg.reasoningEffort } : {}),
    ...(cfg.verbosity !== undefined ? { verbosity: cfg.verbosity } : {}),
    ...(cfg.structuredOutput
      ? {
          response_format: {
            type: "json_schema",
            json_schema: { name: "program", schema: { ...CODE_SCHEMA }, strict: true },
          },
        }
      : {}),
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  };
}

/** The reasoning text a server adds to a delta or message: `reasoning` (vLLM, Ollama) or `reasoning_content`. */
const ReasoningFields = z
  .object({ reasoning: z.string().nullish(), reasoning_content: z.string().nullish() })
  .passthrough();
const reasoningOf = (raw: unknown): string => {
  const parsed = ReasoningFields.safeParse(raw);
  if (!parsed.success) return "";
  return parsed.data.reasoning ?? parsed.data.reasoning_content ?? "";
};

interface ChatAnswer {
  readonly id: string | undefined;
  readonly text: string;
  readonly reasoning: string;
  readonly finishReason: string | undefined;
  readonly usage: Usage | undefined;
}

/** A stream cut after it started (the server went away): a dropped connection, retried like one. */
const asConnectionError = (err: unknown): unknown =>
  err instanceof APIError || err instanceof APIUserAbortError
    ? err
    : new APIConnectionError({
        message: `stream cut: ${err instanceof Error ? err.message : String(err)}`,
        ...(err instanceof Error ? { cause: err } : {}),
      });

/**
 * `--provider openai-chat`: every `next()` is one Chat Completions call through the `openai` SDK, to
 * any OpenAI-compatible server. Streamed by default. An answer cut at `finish_reason: length` is an
 * `incomplete` attempt with that reason; failures after retries come back as data, as the Responses
 * proposer does.
 */
export function createChatProposer(opts: ChatProposerOptions): Proposer {
  const client =
    opts.client ??
    new OpenAI({
      apiKey: opts.apiKey || NO_KEY,
      ...(opts.baseURL ? { baseURL: opts.baseURL } : {}),
      maxRetries: 0,
      timeout: opts.timeoutMs,
    });
  const retry = opts.retry ?? DEFAULT_RETRY_POLICY;
  const emit = opts.onEvent ?? (() => {});
  const stream = opts.stream ?? true;

  const callStreamed = async (prompt: string, signal: AbortSignal): Promise<ChatAnswer> => {
    const request = buildChatRequest(prompt, opts, true) as OpenAI.Chat.ChatCompletionCreateParamsStreaming;
    const chunks = await client.chat.completions.create(request, { signal, timeout: opts.timeoutMs });
    let id: string | undefined;
    let text = "";
    let reasoning = "";
    let finishReason: string | undefined;
    let usage: Usage | undefined;
    try {
      for await (const chunk of chunks) {
        id ??= chunk.id;
        if (chunk.usage) usage = normaliseUsage(chunk.usage);
        for (const choice of chunk.choices ?? []) {
          if (choice.index !== 0) continue;
          text += choice.delta?.content ?? "";
          reasoning += reasoningOf(choice.delta);
          if (choice.finish_reason) finishReason = choice.finish_reason;
        }
      }
    } catch (err) {
      throw asConnectionError(err);
    }
    return { id, text, reasoning, finishReason, usage };
  };

  const callPlain = async (prompt: string, signal: AbortSignal): Promise<ChatAnswer> => {
    const request = buildChatRequest(
      prompt,
      opts,
      false,
    ) as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;
    const r = await client.chat.completions.create(request, { signal, timeout: opts.timeoutMs });
    const choice = r.choices?.[0];
    return {
      id: r.id,
      text: choice?.message?.content ?? "",
      reasoning: reasoningOf(choice?.message),
      finishReason: choice?.finish_reason ?? undefined,
      usage: r.usage ? normaliseUsage(r.usage) : undefined,
    };
  };

  return {
    id: `openai-chat:${opts.model}`,
    open(ctx: ProposerContext): ProposerSession {
      return {
        async next(): Promise<Proposal> {
          const started = performance.now();
          const meta: Record<string, unknown> = {};
          let a: ChatAnswer;
          try {
            a = await withRetry(
              () => (stream ? callStreamed(ctx.prompt, ctx.signal) : callPlain(ctx.prompt, ctx.signal)),
              retry,
              { signal: ctx.signal, onRetry: (info) => emit("retry", info) },
            );
          } catch (err) {
            if (ctx.signal.aborted) throw new CallAbortedError(ctx.signal.reason, undefined);
            const failed = { text: "", error: describeError(err), durationMs: performance.now() - started };
            // An HTTP error status is a refusal the server does not bill; anything else may have been.
            return err instanceof APIError && typeof err.status === "number"
              ? failed
              : { ...failed, usageUnknown: true };
          }
          if (a.id !== undefined) meta.response_id = a.id;
          meta.finish_reason = a.finishReason ?? null;
          if (a.reasoning !== "") meta.reasoning = a.reasoning;
          const incomplete =
            a.finishReason === "length" || a.finishReason === "content_filter" ? a.finishReason : undefined;
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
