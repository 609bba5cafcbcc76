import OpenAI, { APIError } from "openai";
import {
  buildResponsesRequest,
  type InterpretedResponse,
  interpretResponse,
  isTerminalStatus,
  type OpenAIRequestConfig,
  promptCacheKeyOf,
  type RequestExtras,
} from "./openai-request.js";
import {
  abortableSleep,
  DEFAULT_RETRY_POLICY,
  describeError,
  isRetryable,
  type RetryPolicy,
  retryAfterMs,
  withRetry,
} from "./openai-retry.js";
import { normaliseUsage } from "./openai-usage.js";
import { pricingModeOf } from "./pricing.js";
import {
  CallAbortedError,
  type Proposal,
  type Proposer,
  type ProposerContext,
  type ProposerSession,
  type Usage,
} from "./proposer.js";
import type { FlexFallback, ServiceTier } from "./request-options.js";
import { withRetryBy } from "./retry.js";

export interface OpenAIProposerOptions extends OpenAIRequestConfig {
  /** A ready client (tests, custom fetch); else one is made from apiKey/baseURL with the SDK's retries off. */
  readonly client?: OpenAI;
  readonly apiKey?: string;
  readonly baseURL?: string;
  /** Per call (synchronous mode) or per background response until cancelled, in ms (--timeout). */
  readonly timeoutMs: number;
  /** Create with background:true, poll until terminal, cancel on timeout (--background). */
  readonly background?: boolean;
  readonly pollIntervalMs?: number;
  readonly retry?: RetryPolicy;
  readonly onEvent?: (event: string, fields: Record<string, unknown>) => void;
  /** --service-tier: sent as service_tier (undefined: not sent). */
  readonly serviceTier?: ServiceTier | undefined;
  /** With flex: what a call refused for capacity does (default auto). */
  readonly flexFallback?: FlexFallback | undefined;
  /** --prompt-cache: prompt_cache_key per grid point. */
  readonly promptCache?: boolean | undefined;
}

/** A flex call refused for lack of capacity: 429 "Resource Unavailable" (not a rate limit). */
export const isFlexUnavailable = (err: unknown): boolean =>
  err instanceof APIError &&
  err.status === 429 &&
  /resource.?unavailable/i.test(`${err.code ?? ""} ${err.message}`);

/** An OpenAI client whose retries are ours (maxRetries 0). Never logs the key. */
export function createOpenAIClient(opts: { apiKey?: string; baseURL?: string; timeoutMs: number }): OpenAI {
  return new OpenAI({
    apiKey: opts.apiKey ?? process.env.OPENAI_API_KEY,
    ...(opts.baseURL ? { baseURL: opts.baseURL } : {}),
    maxRetries: 0,
    timeout: opts.timeoutMs,
  });
}

/**
 * The SDK adds an abort listener to the signal of every request and never removes it; a long-lived
 * signal would collect one per poll. Each request gets a child signal, unlinked when it settles.
 */
async function withChildSignal<T>(signal: AbortSignal, run: (child: AbortSignal) => Promise<T>): Promise<T> {
  const child = new AbortController();
  const forward = () => child.abort(signal.reason);
  if (signal.aborted) forward();
  else signal.addEventListener("abort", forward, { once: true });
  try {
    return await run(child.signal);
  } finally {
    signal.removeEventListener("abort", forward);
  }
}

/**
 * A background response given up on (timed out, or its polling failed) and cancelled: `usage` is what
 * the provider reported for it after the cancel, undefined when it reported none.
 */
class BackgroundGaveUp extends Error {
  override readonly name = "BackgroundGaveUp";
  constructor(
    message: string,
    readonly usage: Usage | undefined,
  ) {
    super(message);
  }
}

/** The usage a response reports, undefined when it carries none. */
const reportedUsage = (r: { usage?: unknown }): Usage | undefined =>
  r.usage === null || r.usage === undefined ? undefined : normaliseUsage(r.usage);

/**
 * Whether a call that ended in `err` may have been billed without saying how much: the server never
 * answered (a timeout, a dropped connection). An HTTP error status is the server refusing or failing the
 * request, which the provider does not bill.
 */
const mayHaveBeenBilled = (err: unknown): boolean =>
  !(err instanceof APIError && typeof err.status === "number");

/**
 * The paper's proposer: every `next()` is one independent Responses call with the same prompt (the
 * runner's attempts do not share a conversation). Call failures after retries come back as a Proposal
 * with `error`, so the attempt is recorded and the grid goes on; an abort (Ctrl-C, early stop of a
 * batch) rejects, and the runner records nothing for it.
 */
export function createOpenAIProposer(opts: OpenAIProposerOptions): Proposer {
  const client = opts.client ?? createOpenAIClient(opts);
  const retry = opts.retry ?? DEFAULT_RETRY_POLICY;
  const pollMs = opts.pollIntervalMs ?? 2000;
  const emit = opts.onEvent ?? (() => {});

  /**
   * One create call with retries. With --service-tier flex, a 429 "Resource Unavailable" is not retried
   * unless --flex-fallback retry: `auto` sends the call again at once with service_tier auto (recorded
   * in meta.flex_fallback), `fail` lets it fail the attempt.
   */
  const create = async (
    prompt: string,
    signal: AbortSignal,
    extra: RequestExtras,
    meta: Record<string, unknown>,
    background: boolean,
    timeout: number,
  ) => {
    const once = (x: RequestExtras) =>
      withRetryBy(
        () =>
          withChildSignal(signal, (s) =>
            client.responses.create(buildResponsesRequest(prompt, opts, background, x), {
              signal: s,
              timeout,
            }),
          ),
        retry,
        {
          signal,
          onRetry: (info) => emit("retry", info),
          isRetryable: (err) =>
            isRetryable(err) &&
            !(x.serviceTier === "flex" && flexFallback !== "retry" && isFlexUnavailable(err)),
          retryAfterMs: (err) => (err instanceof APIError ? retryAfterMs(err.headers) : undefined),
          describe: describeError,
        },
      );
    try {
      return await once(extra);
    } catch (err) {
      if (extra.serviceTier !== "flex" || flexFallback !== "auto" || !isFlexUnavailable(err)) throw err;
      emit("flex_fallback", { error: describeError(err), to: "auto" });
      meta.flex_fallback = "auto";
      return once({ ...extra, serviceTier: "auto" });
    }
  };
  const flexFallback = opts.flexFallback ?? "auto";

  const callSync = (
    prompt: string,
    signal: AbortSignal,
    extra: RequestExtras,
    meta: Record<string, unknown>,
  ) => create(prompt, signal, extra, meta, false, opts.timeoutMs);

  const callBackground = async (
    prompt: string,
    signal: AbortSignal,
    extra: RequestExtras,
    meta: Record<string, unknown>,
  ) => {
    const deadline = Date.now() + opts.timeoutMs;
    const rpcTimeout = Math.min(opts.timeoutMs, 60_000);
    let r = await create(prompt, signal, extra, meta, true, rpcTimeout);
    meta.response_id = r.id;
    let polls = 0;
    let cancelled = false;
    // Cancels the response and returns the usage the provider reports for it (the work done is billed):
    // from the cancel's answer, else from one retrieve after it; undefined when neither says.
    const cancel = async (why: string): Promise<Usage | undefined> => {
      cancelled = true;
      emit("background_cancel", { response_id: r.id, why });
      let usage: Usage | undefined;
      try {
        usage = reportedUsage(await client.responses.cancel(r.id, { timeout: 10_000 }));
      } catch (err) {
        emit("background_cancel_failed", { response_id: r.id, error: describeError(err) });
      }
      if (usage === undefined) {
        try {
          usage = reportedUsage(await client.responses.retrieve(r.id, {}, { timeout: 10_000 }));
        } catch (err) {
          emit("background_usage_unknown", { response_id: r.id, error: describeError(err) });
        }
      }
      return usage;
    };
    try {
      while (!isTerminalStatus(r.status)) {
        if (signal.aborted) throw new CallAbortedError(signal.reason, undefined);
        if (Date.now() >= deadline) {
          const status = r.status;
          const usage = await cancel("timeout");
          throw new BackgroundGaveUp(
            `timeout: background response ${r.id} still ${status} after ${opts.timeoutMs} ms; cancelled`,
            usage,
          );
        }
        try {
          await abortableSleep(Math.min(pollMs, Math.max(0, deadline - Date.now())), signal);
        } catch {
          continue; // aborted while waiting: handled at the top of the loop
        }
        const id = r.id;
        const retrieve = () =>
          withChildSignal(signal, (s) =>
            client.responses.retrieve(id, {}, { signal: s, timeout: rpcTimeout }),
          );
        r = await withRetry(retrieve, retry, {
          signal,
          onRetry: (info) => emit("retry", info),
        });
        polls++;
      }
    } catch (err) {
      // Whatever ended the polling (Ctrl-C, even mid-retrieve, or a poll that kept failing), a response
      // still running on the server keeps costing money: cancel it before giving up on it, and keep
      // what the provider says it cost.
      let usage = err instanceof BackgroundGaveUp ? err.usage : undefined;
      if (!cancelled && !isTerminalStatus(r.status)) {
        usage = await cancel(signal.aborted ? "aborted" : "poll_failed");
      }
      if (signal.aborted) throw new CallAbortedError(signal.reason, usage, r.id);
      if (err instanceof BackgroundGaveUp) throw err;
      throw new BackgroundGaveUp(describeError(err), usage);
    }
    meta.polls = polls;
    return r;
  };

  return {
    id: `openai:${opts.model}`,
    open(ctx: ProposerContext): ProposerSession {
      return {
        async next(): Promise<Proposal> {
          const started = performance.now();
          const meta: Record<string, unknown> = {};
          const extra: RequestExtras = {
            ...(opts.serviceTier !== undefined ? { serviceTier: opts.serviceTier } : {}),
            ...(opts.promptCache ? { promptCacheKey: promptCacheKeyOf(ctx.gridPoint) } : {}),
          };
          if (opts.serviceTier !== undefined) meta.service_tier_requested = opts.serviceTier;
          let interpreted: InterpretedResponse;
          let servedTier: unknown;
          try {
            const r = opts.background
              ? await callBackground(ctx.prompt, ctx.signal, extra, meta)
              : await callSync(ctx.prompt, ctx.signal, extra, meta);
            meta.response_id = r.id;
            // The tier that served it (OpenAI says it when service_tier was sent), else the one asked for.
            servedTier =
              r.service_tier ?? (meta.flex_fallback === "auto" ? "auto" : (opts.serviceTier ?? undefined));
            if (servedTier !== undefined && servedTier !== null) meta.service_tier = servedTier;
            interpreted = interpretResponse(r);
          } catch (err) {
            if (ctx.signal.aborted) {
              // Nothing to record; what the call may have cost goes with the error (unknown when cut mid-flight).
              throw err instanceof CallAbortedError
                ? err
                : new CallAbortedError(ctx.signal.reason, undefined);
            }
            const failed = {
              text: "",
              error: describeError(err),
              durationMs: performance.now() - started,
              meta,
            };
            if (err instanceof BackgroundGaveUp)
              return err.usage ? { ...failed, usage: err.usage } : { ...failed, usageUnknown: true };
            return mayHaveBeenBilled(err) ? { ...failed, usageUnknown: true } : failed;
          }
          meta.status = interpreted.status;
          return {
            pricingMode: pricingModeOf(servedTier, false),
            text: interpreted.text,
            ...(interpreted.usageReported ? { usage: interpreted.usage } : { usageUnknown: true }),
            toolUses: interpreted.toolUses,
            toolResultsChars: interpreted.toolResultsChars,
            durationMs: performance.now() - started,
            meta,
            ...(interpreted.error !== undefined ? { error: interpreted.error } : {}),
            ...(interpreted.incompleteReason !== undefined
              ? { incompleteReason: interpreted.incompleteReason }
              : {}),
          };
        },
      };
    },
  };
}
