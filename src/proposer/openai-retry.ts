import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import {
  abortableSleep,
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  isRetryableStatus,
  type RetryHooks,
  type RetryPolicy,
  retryAfterMs,
  withRetryBy,
} from "./retry.js";

// The policy is every provider's (retry.ts); this module says how the `openai` SDK's errors are judged.
export { abortableSleep, DEFAULT_RETRY_POLICY, type RetryHooks, type RetryPolicy, retryAfterMs };

/** Whether an error from the SDK is worth another try: 408/409/429/5xx and dropped connections. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof APIUserAbortError) return false;
  // A call that used its whole --timeout would most likely do so again: reported, not retried.
  if (err instanceof APIConnectionTimeoutError) return false;
  if (err instanceof APIConnectionError) return true;
  if (err instanceof APIError && typeof err.status === "number") return isRetryableStatus(err.status);
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
  return backoffDelay(requested, retry, policy, random);
}

/** Runs `call` with the policy; rethrows the last error when retries are spent or the error is final. */
export function withRetry<T>(
  call: () => Promise<T>,
  policy: RetryPolicy,
  hooks: RetryHooks = {},
): Promise<T> {
  return withRetryBy(call, policy, {
    ...hooks,
    isRetryable,
    retryAfterMs: (err) => (err instanceof APIError ? retryAfterMs(err.headers) : undefined),
    describe: describeError,
  });
}

/** One-line description of an SDK error for the attempt record (never includes request headers). */
export function describeError(err: unknown): string {
  if (err instanceof APIConnectionTimeoutError) return "timeout: the call exceeded --timeout";
  if (err instanceof APIConnectionError) return `connection error: ${err.message}`;
  if (err instanceof APIError) return `HTTP ${err.status ?? "?"}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
