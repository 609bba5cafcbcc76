import fc from "fast-check";
import { APIConnectionError, APIConnectionTimeoutError, APIError } from "openai";
import { describe, expect, it } from "vitest";
import { backoffDelayMs, isRetryable, retryAfterMs, withRetry } from "../../src/proposer/openai-retry.js";

const apiError = (status: number, headers: Record<string, string> = {}) =>
  APIError.generate(status, { message: "x" }, undefined, new Headers(headers));

describe("retry policy", () => {
  it("retries 408, 409, 429, 5xx and dropped connections; not 400/401/404 or timeouts", () => {
    for (const s of [408, 409, 429, 500, 502, 503]) expect(isRetryable(apiError(s))).toBe(true);
    for (const s of [400, 401, 403, 404, 422]) expect(isRetryable(apiError(s))).toBe(false);
    expect(isRetryable(new APIConnectionError({ message: "socket hang up" }))).toBe(true);
    expect(isRetryable(new APIConnectionTimeoutError())).toBe(false);
    expect(isRetryable(new Error("bug"))).toBe(false);
  });

  it("reads retry-after-ms, retry-after seconds and HTTP dates", () => {
    expect(retryAfterMs(new Headers({ "retry-after-ms": "250" }))).toBe(250);
    expect(retryAfterMs(new Headers({ "retry-after": "3" }))).toBe(3000);
    const now = Date.parse("2025-01-01T00:00:00Z");
    expect(retryAfterMs(new Headers({ "retry-after": "Wed, 01 Jan 2025 00:00:05 GMT" }), now)).toBe(5000);
    expect(retryAfterMs(new Headers({}))).toBeUndefined();
  });

  it("backoff never exceeds the cap, and honours Retry-After up to the cap", () => {
    const policy = { maxRetries: 10, baseDelayMs: 100, maxDelayMs: 5000 };
    fc.assert(
      fc.property(fc.nat(30), fc.double({ min: 0, max: 0.999, noNaN: true }), (retry, r) => {
        const d = backoffDelayMs(apiError(503), retry, policy, () => r);
        return d >= 0 && d <= 5000 && d >= Math.min(5000, 100 * 2 ** retry) * 0.5 - 1e-9;
      }),
    );
    expect(backoffDelayMs(apiError(429, { "retry-after": "2" }), 0, policy)).toBe(2000);
    expect(backoffDelayMs(apiError(429, { "retry-after": "60" }), 0, policy)).toBe(5000);
  });

  it("withRetry tries at most maxRetries + 1 times and rethrows the last error", async () => {
    let tries = 0;
    const slept: number[] = [];
    await expect(
      withRetry(
        async () => {
          tries++;
          throw apiError(503);
        },
        { maxRetries: 2, baseDelayMs: 10, maxDelayMs: 10 },
        { sleep: async (ms) => void slept.push(ms) },
      ),
    ).rejects.toBeInstanceOf(APIError);
    expect(tries).toBe(3);
    expect(slept).toHaveLength(2);
    for (const ms of slept) {
      expect(ms).toBeGreaterThanOrEqual(5);
      expect(ms).toBeLessThanOrEqual(10);
    }
  });
});
