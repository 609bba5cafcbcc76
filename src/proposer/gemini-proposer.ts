import type { GenerateContentConfig, ThinkingLevel } from "@google/genai";
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

/** The thinking levels `--reasoning-effort` maps onto (Gemini 3's thinkingLevel). */
export const GEMINI_THINKING_LEVELS = {
  minimal: "MINIMAL",
  low: "LOW",
  medium: "MEDIUM",
  high: "HIGH",
} as const;

/**
 * The SDK, loaded on first use: it takes about half a second to import, which every other command
 * and provider would pay at start.
 */
export const loadGenAI = (() => {
  let sdk: Promise<typeof import("@google/genai")> | undefined;
  return () => {
    sdk ??= import("@google/genai");
    return sdk;
  };
})();

/** The SDK's ApiError (an HTTP error status, or an error event in the stream), without loading it. */
export const isGeminiApiError = (err: unknown): err is Error & { status: number } =>
  err instanceof Error &&
  err.name === "ApiError" &&
  "status" in err &&
  typeof (err as { status: unknown }).status === "number";

/** The options `--provider gemini` sends (validated by its provider module). */
export const GeminiRequestConfigSchema = z.object({
  model: z.string().min(1),
  maxOutputTokens: z.number().int().positive(),
  /** thinkingConfig.thinkingBudget: -1 dynamic, 0 off, else tokens (undefined: the model's default). */
  thinkingBudget: z
    .number()
    .int()
    .min(-1, {
      message:
        "Gemini's thinkingBudget is -1 (dynamic), 0 (off, on models that allow it) or a number of tokens",
    })
    .optional(),
  /** thinkingConfig.thinkingLevel, from --reasoning-effort (undefined: the model's default). */
  thinkingLevel: z.enum(["MINIMAL", "LOW", "MEDIUM", "HIGH"]).optional(),
  /** The code execution tool (--enable-code-interpreter). */
  codeExecution: z.boolean(),
  /** JSON output with a schema for `{code: string}` (--structured-output). */
  structuredOutput: z.boolean(),
});
export type GeminiRequestConfig = z.infer<typeof GeminiRequestConfigSchema>;

export interface GeminiProposerOptions extends GeminiRequestConfig {
  readonly apiKey?: string | undefined;
  readonly baseURL?: string | undefined;
  readonly timeoutMs: number;
  /** streamGenerateContent (default) or generateContent. */
  readonly stream?: boolean;
  readonly retry?: RetryPolicy;
  readonly onEvent?: (event: string, fields: Record<string, unknown>) => void;
}

/** Gemini's usageMetadata: every field optional, servers vary. */
const WireUsage = z
  .object({
    promptTokenCount: z.number().nullish(),
    candidatesTokenCount: z.number().nullish(),
    thoughtsTokenCount: z.number().nullish(),
    cachedContentTokenCount: z.number().nullish(),
    toolUsePromptTokenCount: z.number().nullish(),
    totalTokenCount: z.number().nullish(),
  })
  .passthrough();
type WireUsage = z.infer<typeof WireUsage>;

/**
 * Gemini's usageMetadata onto the provider-neutral usage: input is the prompt (cached content
 * included) plus the tool-use prompt; output is the candidates plus the thoughts (billed as output).
 */
export function geminiUsage(u: WireUsage): Usage {
  const toolUse = u.toolUsePromptTokenCount ?? 0;
  const thoughts = u.thoughtsTokenCount ?? 0;
  return makeUsage({
    input: (u.promptTokenCount ?? 0) + toolUse,
    output: (u.candidatesTokenCount ?? 0) + thoughts,
    total: u.totalTokenCount ?? undefined,
    cachedRead: u.cachedContentTokenCount ?? 0,
    reasoning: thoughts,
    toolUse,
  });
}

/** One response (or one streamed chunk) as read: the parts of the first candidate. */
const Chunk = z
  .object({
    responseId: z.string().nullish(),
    candidates: z
      .array(
        z
          .object({
            content: z
              .object({
                parts: z
                  .array(
                    z
                      .object({
                        text: z.string().nullish(),
                        thought: z.boolean().nullish(),
                        executableCode: z.object({ code: z.string().nullish() }).passthrough().nullish(),
                        codeExecutionResult: z
                          .object({ output: z.string().nullish(), outcome: z.string().nullish() })
                          .passthrough()
                          .nullish(),
                      })
                      .passthrough(),
                  )
                  .nullish(),
              })
              .passthrough()
              .nullish(),
            finishReason: z.string().nullish(),
            finishMessage: z.string().nullish(),
          })
          .passthrough(),
      )
      .nullish(),
    promptFeedback: z
      .object({ blockReason: z.string().nullish(), blockReasonMessage: z.string().nullish() })
      .passthrough()
      .nullish(),
    usageMetadata: WireUsage.nullish(),
  })
  .passthrough();

interface GeminiAnswer {
  readonly id: string | undefined;
  readonly text: string;
  readonly thoughts: string;
  readonly finishReason: string | undefined;
  readonly blockReason: string | undefined;
  readonly toolUses: number;
  readonly toolResultsChars: number;
  readonly usage: Usage | undefined;
}

/** The wait a failed call's response asked for (its Retry-After), by error. */
const requestedWait = new WeakMap<object, number>();

const isAbortOrTimeout = (err: unknown): boolean =>
  err instanceof Error && (err.name === "AbortError" || err.name === "TimeoutError");

/** 408/409/429/5xx and dropped connections; never a timeout or a cancelled call. */
export function isRetryableGemini(err: unknown): boolean {
  if (isAbortOrTimeout(err)) return false;
  if (isGeminiApiError(err)) return isRetryableStatus(err.status);
  // fetch's "fetch failed" / undici's "terminated" (the stream cut): a dropped connection.
  return err instanceof TypeError;
}

export function describeGeminiError(err: unknown): string {
  if (isAbortOrTimeout(err)) return "timeout: the call exceeded --timeout";
  if (isGeminiApiError(err)) return `HTTP ${err.status}: ${err.message}`;
  if (err instanceof TypeError) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : "";
    return `connection error: ${err.message}${cause}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/** The JSON schema of `--structured-output`'s answer. */
const CODE_SCHEMA = {
  type: "object",
  properties: { code: { type: "string" } },
  required: ["code"],
  additionalProperties: false,
} as const;

/** The request's config (what the provider fingerprints and the server receives). */
export function geminiConfig(opts: GeminiRequestConfig): GenerateContentConfig {
  const thinking =
    opts.thinkingBudget !== undefined || opts.thinkingLevel !== undefined
      ? {
          thinkingConfig: {
            // Thought summaries, unless thinking is off (budget 0).
            ...(opts.thinkingBudget !== 0 ? { includeThoughts: true } : {}),
            ...(opts.thinkingBudget !== undefined ? { thinkingBudget: opts.thinkingBudget } : {}),
            ...(opts.thinkingLevel !== undefined
              ? { thinkingLevel: opts.thinkingLevel as ThinkingLevel }
              : {}),
          },
        }
      : {};
  return {
    maxOutputTokens: opts.maxOutputTokens,
    ...thinking,
    ...(opts.codeExecution ? { tools: [{ codeExecution: {} }] } : {}),
    ...(opts.structuredOutput
      ? { responseMimeType: "application/json", responseJsonSchema: CODE_SCHEMA }
      : {}),
  };
}

/**
 * `--provider gemini`: every `next()` is one `streamGenerateContent` call (or `generateContent`)
 * through `@google/genai`, the SDK's retries and automatic stream continuation off (our retry policy
 * decides, Retry-After honoured). Thought summaries and the code tool's runs are recorded;
 * `MAX_TOKENS`, safety and other blocks are `incomplete` attempts with that reason; failures after
 * retries come back as data.
 */
export function createGeminiProposer(opts: GeminiProposerOptions): Proposer {
  const retry = opts.retry ?? DEFAULT_RETRY_POLICY;
  const emit = opts.onEvent ?? (() => {});
  const stream = opts.stream ?? true;
  const config = geminiConfig(opts);

  const call = async (prompt: string, signal: AbortSignal): Promise<GeminiAnswer> => {
    // A client per call, so that the fetch it uses can keep the Retry-After of this call's response.
    let lastHeaders: Headers | undefined;
    const { GoogleGenAI } = await loadGenAI();
    const client = new GoogleGenAI({
      vertexai: false,
      apiKey: opts.apiKey ?? "",
      httpOptions: {
        ...(opts.baseURL ? { baseUrl: opts.baseURL } : {}),
        timeout: opts.timeoutMs,
        fetch: async (input, init) => {
          const res = await fetch(input, init);
          lastHeaders = res.headers;
          return res;
        },
      },
    });
    const params = {
      model: opts.model,
      contents: prompt,
      config: { ...config, abortSignal: signal, automaticContinuation: false },
    };
    let id: string | undefined;
    let text = "";
    let thoughts = "";
    let finishReason: string | undefined;
    let blockReason: string | undefined;
    let toolUses = 0;
    let toolResultsChars = 0;
    let usage: WireUsage | undefined;
    const read = (raw: unknown) => {
      const parsed = Chunk.safeParse(raw);
      if (!parsed.success) return;
      const c = parsed.data;
      id = c.responseId ?? id;
      if (c.usageMetadata) usage = c.usageMetadata; // running totals: the latest is the call's
      if (c.promptFeedback?.blockReason) blockReason = c.promptFeedback.blockReason;
      const cand = c.candidates?.[0];
      if (!cand) return;
      if (cand.finishReason) finishReason = cand.finishReason;
      for (const p of cand.content?.parts ?? []) {
        if (p.executableCode) toolUses += 1;
        if (p.codeExecutionResult) toolResultsChars += p.codeExecutionResult.output?.length ?? 0;
        if (typeof p.text === "string") {
          if (p.thought) thoughts += p.text;
          else text += p.text;
        }
      }
    };
    try {
      if (stream) {
        for await (const chunk of await client.models.generateContentStream(params)) read(chunk);
      } else {
        read(await client.models.generateContent(params));
      }
    } catch (err) {
      if (isGeminiApiError(err)) {
        const wait = retryAfterMs(lastHeaders);
        if (wait !== undefined) requestedWait.set(err, wait);
      }
      throw err;
    }
    return {
      id,
      text,
      thoughts,
      finishReason,
      blockReason,
      toolUses,
      toolResultsChars,
      usage: usage ? geminiUsage(usage) : undefined,
    };
  };

  return {
    id: `gemini:${opts.model}`,
    open(ctx: ProposerContext): ProposerSession {
      return {
        async next(): Promise<Proposal> {
          const started = performance.now();
          const meta: Record<string, unknown> = {};
          let a: GeminiAnswer;
          try {
            a = await withRetryBy(() => call(ctx.prompt, ctx.signal), retry, {
              isRetryable: isRetryableGemini,
              retryAfterMs: (err) => (err instanceof Error ? requestedWait.get(err) : undefined),
              describe: describeGeminiError,
              signal: ctx.signal,
              onRetry: (info) => emit("retry", info),
            });
          } catch (err) {
            if (ctx.signal.aborted) throw new CallAbortedError(ctx.signal.reason, undefined);
            const failed = {
              text: "",
              error: describeGeminiError(err),
              durationMs: performance.now() - started,
            };
            // An HTTP error is a refused call (not billed); anything else may have been.
            return isGeminiApiError(err) ? failed : { ...failed, usageUnknown: true };
          }
          if (a.id !== undefined) meta.response_id = a.id;
          meta.finish_reason = a.finishReason ?? null;
          if (a.blockReason !== undefined) meta.block_reason = a.blockReason;
          if (a.thoughts !== "") meta.reasoning = a.thoughts;
          // STOP is a finished answer; MAX_TOKENS with nothing said, SAFETY, RECITATION, a blocked
          // prompt... are incomplete, with the reason.
          const incomplete =
            a.blockReason !== undefined
              ? `blocked: ${a.blockReason}`
              : a.finishReason === "MAX_TOKENS"
                ? a.text.trim() === ""
                  ? "MAX_TOKENS"
                  : undefined
                : a.finishReason !== undefined &&
                    a.finishReason !== "STOP" &&
                    a.finishReason !== "FINISH_REASON_UNSPECIFIED"
                  ? a.finishReason
                  : undefined;
          return {
            text: a.text,
            ...(a.usage ? { usage: a.usage } : { usageUnknown: true }),
            ...(a.toolUses > 0 ? { toolUses: a.toolUses, toolResultsChars: a.toolResultsChars } : {}),
            durationMs: performance.now() - started,
            meta,
            ...(incomplete !== undefined ? { incompleteReason: incomplete } : {}),
          };
        },
      };
    },
  };
}
