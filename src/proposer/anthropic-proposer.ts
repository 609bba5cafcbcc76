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
import {
  DEFAULT_RETRY_POLICY,
  isRetryableStatus,
  type RetryPolicy,
  retryAfterMs,
  withRetryBy,
} from "./retry.js";
import { makeUsage } from "./usage.js";

/** The effort levels Anthropic's `output_config.effort` takes (the Messages API; `high` is its default). */
export const ANTHROPIC_EFFORTS = ["low", "medium", "high", "xhigh", "max"] as const;

/**
 * The code execution tool sent with `--enable-code-interpreter`: the version every model that has the
 * tool accepts (Bash and file edits in Anthropic's container; no beta header since the tool is stable).
 */
export const ANTHROPIC_CODE_EXECUTION_TOOL = {
  type: "code_execution_20250825",
  name: "code_execution",
} as const;

/** The options `--provider anthropic` sends (validated by its provider module). */
export const AnthropicRequestConfigSchema = z.object({
  model: z.string().min(1),
  maxOutputTokens: z.number().int().positive(),
  /** Extended thinking's budget_tokens (undefined: no thinking). At least 1024, below max_tokens. */
  thinkingBudget: z
    .number()
    .int()
    .min(1024, {
      message:
        "Anthropic's budget_tokens is at least 1024 and below --max-output-tokens (leave the flag out for no thinking)",
    })
    .optional(),
  /** output_config.effort, from --reasoning-effort (undefined: not sent, the model's default). */
  effort: z
    .enum(ANTHROPIC_EFFORTS, {
      message: `Anthropic's effort takes ${ANTHROPIC_EFFORTS.join(", ")}`,
    })
    .optional(),
  /** The code execution tool (--enable-code-interpreter); undefined when off (older fingerprints). */
  codeExecution: z.literal(true).optional(),
  /** output_config.format, a JSON schema for `{code}` (--structured-output); undefined when off. */
  structuredOutput: z.literal(true).optional(),
});
export type AnthropicRequestConfig = z.infer<typeof AnthropicRequestConfigSchema>;

/** The JSON schema of `--structured-output`'s answer. */
const CODE_SCHEMA = {
  type: "object",
  properties: { code: { type: "string" } },
  required: ["code"],
  additionalProperties: false,
} as const;

/**
 * The one user message: the prompt as plain content, or with --prompt-cache as a text block marked
 * `cache_control: ephemeral` (a cache breakpoint at the prompt's end: the whole prompt is cached).
 */
export function anthropicUserMessage(prompt: string, cache: boolean) {
  return cache
    ? {
        role: "user" as const,
        content: [{ type: "text" as const, text: prompt, cache_control: { type: "ephemeral" as const } }],
      }
    : { role: "user" as const, content: prompt };
}

/** The Messages request for one prompt (streamed, plain or in a batch): what the server receives. */
export function anthropicMessageParams(prompt: string, opts: AnthropicRequestConfig, cache = false) {
  const outputConfig = {
    ...(opts.effort !== undefined ? { effort: opts.effort } : {}),
    ...(opts.structuredOutput ? { format: { type: "json_schema" as const, schema: CODE_SCHEMA } } : {}),
  };
  return {
    model: opts.model,
    max_tokens: opts.maxOutputTokens,
    messages: [anthropicUserMessage(prompt, cache)],
    ...(opts.thinkingBudget !== undefined
      ? { thinking: { type: "enabled" as const, budget_tokens: opts.thinkingBudget } }
      : {}),
    ...(opts.codeExecution ? { tools: [ANTHROPIC_CODE_EXECUTION_TOOL] } : {}),
    ...(Object.keys(outputConfig).length > 0 ? { output_config: outputConfig } : {}),
  };
}

export interface AnthropicProposerOptions extends AnthropicRequestConfig {
  readonly apiKey?: string | undefined;
  readonly baseURL?: string | undefined;
  readonly timeoutMs: number;
  /** Streamed Messages (default) or one plain JSON message. */
  readonly stream?: boolean;
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
    /** Thinking tokens inside output_tokens, where the API reports them. */
    output_tokens_details: z.object({ thinking_tokens: z.number().nullish() }).passthrough().nullish(),
    /** Server tools' request counts (web search/fetch; code execution where reported). */
    server_tool_use: z.record(z.string(), z.unknown()).nullish(),
  })
  .passthrough();
type WireUsage = z.infer<typeof WireUsage>;

/**
 * Anthropic's usage onto the provider-neutral one: its `input_tokens` excludes the cache, so input is
 * the sum of plain input, cache reads and cache writes. Thinking is billed inside `output_tokens`;
 * `reasoning_tokens` is `output_tokens_details.thinking_tokens` where the API reports it, else 0 (the
 * thinking text is recorded either way).
 */
export function anthropicUsage(u: WireUsage): Usage {
  const read = u.cache_read_input_tokens ?? 0;
  const write = u.cache_creation_input_tokens ?? 0;
  return makeUsage({
    input: (u.input_tokens ?? 0) + read + write,
    output: u.output_tokens ?? 0,
    cachedRead: read,
    cacheWrite: write,
    reasoning: u.output_tokens_details?.thinking_tokens ?? 0,
  });
}

/** A usage object as any SDK type or JSON carries it, read through the wire schema; undefined when unreadable. */
export function anthropicUsageOf(raw: unknown): Usage | undefined {
  const parsed = WireUsage.safeParse(raw);
  return parsed.success ? anthropicUsage(parsed.data) : undefined;
}

/** A content block as read (text, thinking, a server tool's use or its result); other fields ignored. */
const Block = z
  .object({
    type: z.string(),
    text: z.string().nullish(),
    thinking: z.string().nullish(),
    name: z.string().nullish(),
    content: z.unknown().optional(),
  })
  .passthrough();
type Block = z.infer<typeof Block>;

/** A code execution result's content: stdout/stderr (Python, Bash) or a viewed file's text. */
const ToolResultContent = z
  .object({
    type: z.string(),
    stdout: z.string().nullish(),
    stderr: z.string().nullish(),
    content: z.unknown().optional(),
    error_code: z.string().nullish(),
  })
  .passthrough();

/** The server tools `--enable-code-interpreter` lets the model use (by tool version). */
const CODE_EXECUTION_TOOL_NAMES = new Set([
  "code_execution",
  "bash_code_execution",
  "text_editor_code_execution",
]);

/** The stream events read (the documented SSE format); anything else is ignored. */
const StreamEvent = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("message_start"),
    message: z.object({ id: z.string().optional(), usage: WireUsage.optional() }).passthrough(),
  }),
  z.object({ type: z.literal("content_block_start"), index: z.number(), content_block: Block }),
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

/** A plain (not streamed) message. */
const WireMessage = z
  .object({
    id: z.string().optional(),
    content: z.array(Block).nullish(),
    stop_reason: z.string().nullish(),
    usage: WireUsage.nullish(),
  })
  .passthrough();

interface MessagesAnswer {
  readonly id: string | undefined;
  readonly text: string;
  readonly thinking: string;
  readonly stopReason: string | undefined;
  readonly usage: Usage | undefined;
  /** Code execution runs (server_tool_use blocks of the code tools) and their results' characters. */
  readonly toolUses: number;
  readonly toolResultsChars: number;
  /** usage.server_tool_use as reported. */
  readonly serverToolUse: Record<string, unknown> | undefined;
  /** The error codes of code execution results that failed (unavailable, execution_time_exceeded...). */
  readonly toolErrors: string[];
}

/** Characters of a code execution result block's output, and its error code when it failed. */
function toolResult(content: unknown): { chars: number; error?: string } {
  const parsed = ToolResultContent.safeParse(content);
  if (!parsed.success) return { chars: 0 };
  const c = parsed.data;
  if (c.error_code) return { chars: 0, error: c.error_code };
  const text = typeof c.content === "string" ? c.content.length : 0; // a viewed file
  return { chars: (c.stdout?.length ?? 0) + (c.stderr?.length ?? 0) + text };
}

/**
 * Reads one message's content blocks, whole (a plain message) or as the stream delivers them: text
 * blocks joined (a line break between two, so a code fence after a tool run stays a fence), thinking
 * recorded, every code tool use counted with its result's characters.
 */
class MessageReader {
  id: string | undefined;
  text = "";
  thinking = "";
  stopReason: string | undefined;
  usage: WireUsage | undefined;
  toolUses = 0;
  toolResultsChars = 0;
  toolErrors: string[] = [];

  /** A block started (streamed: its text comes in deltas) or arrived whole. */
  block(b: Block): void {
    if (b.type === "text") {
      if (this.text !== "" && !this.text.endsWith("\n")) this.text += "\n";
      this.text += b.text ?? "";
    } else if (b.type === "thinking") {
      this.thinking += b.thinking ?? "";
    } else if (b.type === "server_tool_use") {
      if (b.name && CODE_EXECUTION_TOOL_NAMES.has(b.name)) this.toolUses += 1;
    } else if (b.type.endsWith("code_execution_tool_result")) {
      const r = toolResult(b.content);
      this.toolResultsChars += r.chars;
      if (r.error !== undefined) this.toolErrors.push(r.error);
    }
  }

  /** Usage as reported so far: a later report's fields replace the earlier's (message_delta's are cumulative). */
  report(u: WireUsage | undefined | null): void {
    if (!u) return;
    const defined = Object.fromEntries(Object.entries(u).filter(([, v]) => v !== null && v !== undefined));
    this.usage = { ...this.usage, ...defined };
  }

  event(raw: unknown): void {
    const parsed = StreamEvent.safeParse(raw);
    if (!parsed.success) return;
    const e = parsed.data;
    if (e.type === "message_start") {
      this.id = e.message.id;
      this.report(e.message.usage);
    } else if (e.type === "content_block_start") {
      this.block(e.content_block);
    } else if (e.type === "content_block_delta") {
      if (e.delta.type === "text_delta") this.text += e.delta.text ?? "";
      else if (e.delta.type === "thinking_delta") this.thinking += e.delta.thinking ?? "";
    } else {
      this.stopReason = e.delta.stop_reason ?? this.stopReason;
      this.report(e.usage);
    }
  }

  message(raw: unknown): void {
    const parsed = WireMessage.safeParse(raw);
    if (!parsed.success) return;
    const m = parsed.data;
    this.id = m.id;
    for (const b of m.content ?? []) this.block(b);
    this.stopReason = m.stop_reason ?? undefined;
    this.report(m.usage);
  }

  answer(): MessagesAnswer {
    const stu = this.usage?.server_tool_use;
    return {
      id: this.id,
      text: this.text,
      thinking: this.thinking,
      stopReason: this.stopReason,
      usage: this.usage ? anthropicUsage(this.usage) : undefined,
      toolUses: this.toolUses,
      toolResultsChars: this.toolResultsChars,
      serverToolUse: stu ?? undefined,
      toolErrors: this.toolErrors,
    };
  }
}

/** The stop reasons of an answer that did not finish. */
const INCOMPLETE_STOP_REASONS = new Set([
  "max_tokens",
  "refusal",
  "pause_turn",
  "model_context_window_exceeded",
]);

/** 408/409/429/5xx (529 overloaded among them), an `overloaded_error` mid-stream, dropped connections. */
export function isRetryableAnthropic(err: unknown): boolean {
  if (err instanceof APIUserAbortError || err instanceof APIConnectionTimeoutError) return false;
  if (err instanceof APIConnectionError) return true;
  if (err instanceof APIError) {
    if (typeof err.status === "number") return isRetryableStatus(err.status);
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
 * (long max_tokens need streaming). Thinking text is recorded; the code execution tool's runs are
 * counted (tool uses, result characters); `stop_reason: max_tokens` (or refusal, pause_turn) is an
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

  const stream = opts.stream ?? true;
  const call = async (prompt: string, signal: AbortSignal): Promise<MessagesAnswer> => {
    const params = anthropicMessageParams(prompt, opts, opts.promptCache === true);
    const reader = new MessageReader();
    if (stream) {
      const events = await client.messages.create(
        { ...params, stream: true },
        { signal, timeout: opts.timeoutMs },
      );
      for await (const raw of events) reader.event(raw);
    } else {
      reader.message(await client.messages.create(params, { signal, timeout: opts.timeoutMs }));
    }
    return reader.answer();
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
          if (a.serverToolUse !== undefined) meta.server_tool_use = a.serverToolUse;
          if (a.toolErrors.length > 0) meta.tool_errors = a.toolErrors;
          // Cut at max_tokens, refused, or a long tool turn paused by the server (not continued here):
          // not a finished answer.
          const incomplete =
            a.stopReason !== undefined && INCOMPLETE_STOP_REASONS.has(a.stopReason)
              ? a.stopReason
              : undefined;
          return {
            text: a.text,
            ...(a.usage ? { usage: a.usage } : { usageUnknown: true }),
            ...(a.toolUses > 0 || opts.codeExecution
              ? { toolUses: a.toolUses, toolResultsChars: a.toolResultsChars }
              : {}),
            durationMs: performance.now() - started,
            meta,
            ...(incomplete !== undefined ? { incompleteReason: incomplete } : {}),
          };
        },
      };
    },
  };
}
