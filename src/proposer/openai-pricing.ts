import { readFileSync } from "node:fs";
import { z } from "zod";
import { UsageError } from "../core/errors.js";
import type { Usage } from "./proposer.js";

/** USD per one million tokens. Reasoning tokens are billed as output tokens (they are inside output_tokens). */
export const PriceSchema = z.object({
  input: z.number().nonnegative(),
  cached_input: z.number().nonnegative().optional(),
  output: z.number().nonnegative(),
});
export type Price = z.infer<typeof PriceSchema>;
export const PriceTableSchema = z.record(z.string(), PriceSchema);
export type PriceTable = z.infer<typeof PriceTableSchema>;

/**
 * Built-in list prices (standard tier, USD / 1M tokens) as published by OpenAI when this was written.
 * An estimate only: override with `--prices FILE` when they change. Code-interpreter container fees are
 * not included. The `-pro` models list no cached-input rate: their cached input is priced as input.
 */
export const BUILTIN_PRICES: PriceTable = {
  "gpt-5": { input: 1.25, cached_input: 0.125, output: 10 },
  "gpt-5-mini": { input: 0.25, cached_input: 0.025, output: 2 },
  "gpt-5-nano": { input: 0.05, cached_input: 0.005, output: 0.4 },
  "gpt-5-pro": { input: 15, output: 120 },
  "gpt-5.1": { input: 1.25, cached_input: 0.125, output: 10 },
  "gpt-4.1": { input: 2, cached_input: 0.5, output: 8 },
  "gpt-4.1-mini": { input: 0.4, cached_input: 0.1, output: 1.6 },
  "gpt-4.1-nano": { input: 0.1, cached_input: 0.025, output: 0.4 },
  "gpt-4o": { input: 2.5, cached_input: 1.25, output: 10 },
  "gpt-4o-mini": { input: 0.15, cached_input: 0.075, output: 0.6 },
  o3: { input: 2, cached_input: 0.5, output: 8 },
  "o3-pro": { input: 20, output: 80 },
  "o4-mini": { input: 1.1, cached_input: 0.275, output: 4.4 },
  "o3-mini": { input: 1.1, cached_input: 0.55, output: 4.4 },
};

/** A dated snapshot of a model: `<id>-YYYY-MM-DD` (gpt-5-2025-08-07 is gpt-5). */
const SNAPSHOT = /^(.+)-\d{4}-\d{2}-\d{2}$/;

/**
 * The price of a model: its exact id, else, for a dated snapshot (`gpt-5-2025-08-07`), the id without the
 * date. Nothing else: an id another one prefixes is another model (`gpt-5-pro` costs 12x `gpt-5`).
 */
export function findPrice(table: PriceTable, model: string): Price | undefined {
  if (Object.hasOwn(table, model)) return table[model];
  const base = SNAPSHOT.exec(model)?.[1];
  return base !== undefined && Object.hasOwn(table, base) ? table[base] : undefined;
}

/** The price `--max-cost-usd` needs: an unknown model is a usage error saying how to give its price. */
export function priceForBudget(table: PriceTable, model: string): Price {
  const price = findPrice(table, model);
  if (price !== undefined) return price;
  throw new UsageError(
    `--max-cost-usd: no price known for --model ${model} (the built-in table matches exact model ids and ` +
      `their dated snapshots only); give one with --prices FILE, a JSON file of USD per 1M tokens: ` +
      `{"${model}": {"input": <USD>, "cached_input": <USD, optional>, "output": <USD>}}`,
  );
}

/** Cost of one call in USD: uncached input + cached input at its rate + output (reasoning included). */
export function costOf(usage: Usage, price: Price): number {
  const cached = Math.min(usage.cached_tokens, usage.input_tokens);
  const cachedRate = price.cached_input ?? price.input;
  return (
    ((usage.input_tokens - cached) * price.input + cached * cachedRate + usage.output_tokens * price.output) /
    1e6
  );
}

/** Worst case of a call not yet made: every input token uncached, every allowed output token used. */
export function worstCaseCost(inputTokens: number, maxOutputTokens: number, price: Price): number {
  return (inputTokens * price.input + maxOutputTokens * price.output) / 1e6;
}

/** The built-in table, with entries from a JSON file (`--prices`) on top. */
export function loadPriceTable(file: string | undefined): PriceTable {
  if (file === undefined) return BUILTIN_PRICES;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new UsageError(`--prices ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = PriceTableSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(
      `--prices ${file}: at ${issue?.path.join(".") || "(root)"}: ${issue?.message}; expected {"model": {"input": 1.25, "cached_input": 0.125, "output": 10}} (USD per 1M tokens)`,
    );
  }
  return { ...BUILTIN_PRICES, ...parsed.data };
}
