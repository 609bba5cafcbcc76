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
 * not included.
 */
export const BUILTIN_PRICES: PriceTable = {
  "gpt-5": { input: 1.25, cached_input: 0.125, output: 10 },
  "gpt-5-mini": { input: 0.25, cached_input: 0.025, output: 2 },
  "gpt-5-nano": { input: 0.05, cached_input: 0.005, output: 0.4 },
  "gpt-5.1": { input: 1.25, cached_input: 0.125, output: 10 },
  "gpt-4.1": { input: 2, cached_input: 0.5, output: 8 },
  "gpt-4.1-mini": { input: 0.4, cached_input: 0.1, output: 1.6 },
  "gpt-4.1-nano": { input: 0.1, cached_input: 0.025, output: 0.4 },
  "gpt-4o": { input: 2.5, cached_input: 1.25, output: 10 },
  "gpt-4o-mini": { input: 0.15, cached_input: 0.075, output: 0.6 },
  o3: { input: 2, cached_input: 0.5, output: 8 },
  "o4-mini": { input: 1.1, cached_input: 0.275, output: 4.4 },
  "o3-mini": { input: 1.1, cached_input: 0.55, output: 4.4 },
};

/** The price of a model: exact name, else the longest table key that prefixes it (dated snapshots). */
export function findPrice(table: PriceTable, model: string): Price | undefined {
  if (table[model]) return table[model];
  let best: string | undefined;
  for (const key of Object.keys(table)) {
    if (model.startsWith(`${key}-`) && (best === undefined || key.length > best.length)) best = key;
  }
  return best === undefined ? undefined : table[best];
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
