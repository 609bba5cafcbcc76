/**
 * One retry policy for every provider (ours, explicit, tested; the SDKs' own retries are off): each
 * provider says which of its errors are worth another try and what wait the server asked for.
 */

export interface RetryPolicy {
  /** Retries after the first try (so at most maxRetries + 1 requests). */
  readonly maxRetries: number;
  /** First backoff; doubles each retry, with full jitter. */
  readonly baseDelayMs: number;
  /** Cap on any single wait, Retry-After included. */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 5, baseDelayMs: 1000, maxDelayMs: 60_000 };

/** The statuses retried for every provider: 408, 409, 429 and 5xx (Anthropic's 529 overloaded too). */
export const isRetryableStatus = (status: number): boolean =>
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

/** Wait before retry number `retry` (0-based): the server's request when it made one, else jittered backoff; capped. */
export function backoffDelay(
  requested: number | undefined,
  retry: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  const delay = requested ?? exp * (0.5 + 0.5 * random());
  return Math.min(policy.maxDelayMs, delay);
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

export interface RetryHooks {
  readonly signal?: AbortSignal;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly onRetry?: (info: { retry: number; delayMs: number; error: string }) => void;
}

/** How a provider's errors are judged. */
export interface RetryClassifier {
  isRetryable(err: unknown): boolean;
  /** The wait the server asked for (Retry-After), if any. */
  retryAfterMs(err: unknown): number | undefined;
  describe(err: unknown): string;
}

/** Runs `call` with the policy; rethrows the last error when retries are spent or the error is final. */
export async function withRetryBy<T>(
  call: () => Promise<T>,
  policy: RetryPolicy,
  hooks: RetryHooks & RetryClassifier,
): Promise<T> {
  const sleep = hooks.sleep ?? abortableSleep;
  for (let retry = 0; ; retry++) {
    try {
      return await call();
    } catch (err) {
      if (hooks.signal?.aborted || retry >= policy.maxRetries || !hooks.isRetryable(err)) throw err;
      const delayMs = backoffDelay(hooks.retryAfterMs(err), retry, policy);
      hooks.onRetry?.({ retry: retry + 1, delayMs, error: hooks.describe(err) });
      await sleep(delayMs, hooks.signal);
    }
  }
}
