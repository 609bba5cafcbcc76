import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";

/** Our retry policy (the SDK's own retries are turned off so this one is the only one, and testable). */
export interface RetryPolicy {
  /** Retries after the first try (so at most maxRetries + 1 requests). */
  readonly maxRetries: number;
  /** First backoff; doubles each retry, with full jitter. */
  readonly baseDelayMs: number;
  /** Cap on any single wait, Retry-After included. */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 5, baseDelayMs: 1000, maxDelayMs: 60_000 };

const RETRYABLE_STATUS = (status: number): boolean =>
  status === 408 || status === 409 || status === 429 || status >= 500;

/** Server-requested wait in ms from `retry-after-ms` or `retry-after` (seconds or an HTTP date). */
export function retryAfterMs(headers: Headers | undefined, now: number = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get("retry-after-ms");
  if (ms !== null && ms.trim() !== "" && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const ra = headers.get("retry-after");
  if (ra === null || ra.trim() === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(ra.trim())) return Math.max(0, Number(ra) * 1000);
  const date = Date.parse(ra);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Whether an error from the SDK is worth another try: 408/409/429/5xx and dropped connections. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof APIUserAbortError) return false;
  // A call that used its whole --timeout would most likely do so again: reported, not retried.
  if (err instanceof APIConnectionTimeoutError) return false;
  if (err instanceof APIConnectionError) return true;
  if (err instanceof APIError && typeof err.status === "number") return RETRYABLE_STATUS(err.status);
  return false;
}

/** Wait before retry number `retry` (0-based): Retry-After when the server sent it, else jittered backoff; capped. */
export function backoffDelayMs(
  err: unknown,
  retry: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const requested = err instanceof APIError ? retryAfterMs(err.headers) : undefined;
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  const delay = requested ?? exp * (0.5 + 0.5 * random());
  return Math.min(policy.maxDelayMs, delay);
}

export interface RetryHooks {
  readonly signal?: AbortSignal;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly onRetry?: (info: { retry: number; delayMs: number; error: string }) => void;
}

export const abortableSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error("aborted"));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason ?? new Error("aborted"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });

/** Runs `call` with the policy; rethrows the last error when retries are spent or the error is final. */
export async function withRetry<T>(
  call: () => Promise<T>,
  policy: RetryPolicy,
  hooks: RetryHooks = {},
): Promise<T> {
  const sleep = hooks.sleep ?? abortableSleep;
  for (let retry = 0; ; retry++) {
    try {
      return await call();
    } catch (err) {
      if (hooks.signal?.aborted || retry >= policy.maxRetries || !isRetryable(err)) throw err;
      const delayMs = backoffDelayMs(err, retry, policy);
      hooks.onRetry?.({ retry: retry + 1, delayMs, error: describeError(err) });
      await sleep(delayMs, hooks.signal);
    }
  }
}

/** One-line description of an SDK error for the attempt record (never includes request headers). */
export function describeError(err: unknown): string {
  if (err instanceof APIConnectionTimeoutError) return "timeout: the call exceeded --timeout";
  if (err instanceof APIConnectionError) return `connection error: ${err.message}`;
  if (err instanceof APIError) return `HTTP ${err.status ?? "?"}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
