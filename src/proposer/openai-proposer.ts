import OpenAI from "openai";
import {
  buildResponsesRequest,
  type InterpretedResponse,
  interpretResponse,
  isTerminalStatus,
  type OpenAIRequestConfig,
} from "./openai-request.js";
import {
  abortableSleep,
  DEFAULT_RETRY_POLICY,
  describeError,
  type RetryPolicy,
  withRetry,
} from "./openai-retry.js";
import type { Proposal, Proposer, ProposerContext, ProposerSession } from "./proposer.js";

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
}

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

class Aborted extends Error {
  override readonly name = "AbortError";
}

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

  const callSync = (prompt: string, signal: AbortSignal) =>
    withRetry(
      () =>
        withChildSignal(signal, (s) =>
          client.responses.create(buildResponsesRequest(prompt, opts), {
            signal: s,
            timeout: opts.timeoutMs,
          }),
        ),
      retry,
      { signal, onRetry: (info) => emit("retry", info) },
    );

  const callBackground = async (prompt: string, signal: AbortSignal, meta: Record<string, unknown>) => {
    const deadline = Date.now() + opts.timeoutMs;
    const rpcTimeout = Math.min(opts.timeoutMs, 60_000);
    let r = await withRetry(
      () =>
        withChildSignal(signal, (s) =>
          client.responses.create(buildResponsesRequest(prompt, opts, true), {
            signal: s,
            timeout: rpcTimeout,
          }),
        ),
      retry,
      { signal, onRetry: (info) => emit("retry", info) },
    );
    meta.response_id = r.id;
    let polls = 0;
    let cancelled = false;
    const cancel = async (why: string) => {
      cancelled = true;
      emit("background_cancel", { response_id: r.id, why });
      try {
        await client.responses.cancel(r.id, { timeout: 10_000 });
      } catch (err) {
        emit("background_cancel_failed", { response_id: r.id, error: describeError(err) });
      }
    };
    try {
      while (!isTerminalStatus(r.status)) {
        if (signal.aborted) throw new Aborted("aborted");
        if (Date.now() >= deadline) {
          await cancel("timeout");
          throw new Error(
            `timeout: background response ${r.id} still ${r.status} after ${opts.timeoutMs} ms; cancelled`,
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
      // still running on the server keeps costing money: cancel it before giving up on it.
      if (!cancelled && !isTerminalStatus(r.status)) {
        await cancel(signal.aborted ? "aborted" : "poll_failed");
      }
      throw err;
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
          let interpreted: InterpretedResponse;
          try {
            const r = opts.background
              ? await callBackground(ctx.prompt, ctx.signal, meta)
              : await callSync(ctx.prompt, ctx.signal);
            meta.response_id = r.id;
            interpreted = interpretResponse(r);
          } catch (err) {
            if (ctx.signal.aborted) throw ctx.signal.reason ?? new Aborted("aborted");
            return { text: "", error: describeError(err), durationMs: performance.now() - started, meta };
          }
          meta.status = interpreted.status;
          return {
            text: interpreted.text,
            usage: interpreted.usage,
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
