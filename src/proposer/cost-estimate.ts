import { type Price, type PricingMode, priceOfMode } from "./pricing.js";

/** What a grid's estimate is made of: per grid point its prompt's input tokens, the attempts, the rates. */
export interface GridCostInput {
  /** Input tokens of each grid point's prompt (one entry per grid point and trial). */
  readonly inputTokens: readonly number[];
  readonly attempts: number;
  /** Output tokens per attempt: --max-output-tokens for an upper bound, a measured mean otherwise. */
  readonly outputTokens: number;
  readonly price: Price;
  readonly mode: PricingMode;
  /**
   * Prompt caching: attempt 1 of a grid point writes its prompt to the cache (at the cache-write rate,
   * else input), attempts 2.. read it at the cached rate. Off: every input token at the input rate.
   */
  readonly cache: boolean;
}

export interface GridCost {
  /** USD for the grid, every attempt of every grid point used; undefined: no rate for this mode. */
  readonly usd: number | undefined;
  readonly calls: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** The grid's cost when every attempt is used (an upper bound with outputTokens = max_output_tokens). */
export function estimateGridCost(g: GridCostInput): GridCost {
  const rates = priceOfMode(g.price, g.mode);
  const calls = g.inputTokens.length * g.attempts;
  const inputTokens = g.inputTokens.reduce((a, b) => a + b, 0) * g.attempts;
  const outputTokens = calls * g.outputTokens;
  if (rates === undefined) return { usd: undefined, calls, inputTokens, outputTokens };
  let usd = 0;
  for (const t of g.inputTokens) {
    if (g.cache) {
      const first = t * (rates.cache_write ?? rates.input);
      const later = (g.attempts - 1) * t * (rates.cached_input ?? rates.input);
      usd += first + later;
    } else usd += g.attempts * t * rates.input;
    usd += g.attempts * g.outputTokens * rates.output;
  }
  return { usd: usd / 1e6, calls, inputTokens, outputTokens };
}
