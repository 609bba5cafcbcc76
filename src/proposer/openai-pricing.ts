import {
  costOf,
  findPrice,
  loadPriceTableOver,
  type Price,
  PriceSchema,
  type PriceTable,
  PriceTableSchema,
  priceForBudget,
  worstCaseCost,
} from "./pricing.js";

export {
  costOf,
  findPrice,
  type Price,
  PriceSchema,
  type PriceTable,
  PriceTableSchema,
  priceForBudget,
  worstCaseCost,
};

/**
 * Built-in list prices (standard tier, USD / 1M tokens) as published by OpenAI when this was written.
 * An estimate only: override with `--prices FILE` when they change. Code-interpreter container fees are
 * not included. The `-pro` models list no cached-input rate: their cached input is priced as input.
 *
 * Batch API and flex processing: half of every standard rate, cached input included (OpenAI's pricing
 * page, https://openai.com/api/pricing/ and https://platform.openai.com/docs/pricing , "Batch" and
 * "Flex" columns), which priceOfMode applies when an entry has no `batch`/`flex` of its own. Priority
 * processing has no such rule: its rates are listed here for the models that offer it (same pages,
 * "Priority" column); without them a priority call's cost is unknown.
 */
const priority = (input: number, cached_input: number, output: number) => ({
  priority: { input, cached_input, output },
});

export const BUILTIN_PRICES: PriceTable = {
  "gpt-5": { input: 1.25, cached_input: 0.125, output: 10, ...priority(2.5, 0.25, 20) },
  "gpt-5-mini": { input: 0.25, cached_input: 0.025, output: 2, ...priority(0.45, 0.045, 3.6) },
  "gpt-5-nano": { input: 0.05, cached_input: 0.005, output: 0.4 },
  "gpt-5-pro": { input: 15, output: 120 },
  "gpt-5.1": { input: 1.25, cached_input: 0.125, output: 10, ...priority(2.5, 0.25, 20) },
  "gpt-4.1": { input: 2, cached_input: 0.5, output: 8, ...priority(3.5, 0.875, 14) },
  "gpt-4.1-mini": { input: 0.4, cached_input: 0.1, output: 1.6 },
  "gpt-4.1-nano": { input: 0.1, cached_input: 0.025, output: 0.4 },
  "gpt-4o": { input: 2.5, cached_input: 1.25, output: 10 },
  "gpt-4o-mini": { input: 0.15, cached_input: 0.075, output: 0.6 },
  o3: { input: 2, cached_input: 0.5, output: 8, ...priority(3.5, 0.875, 14) },
  "o3-pro": { input: 20, output: 80 },
  "o4-mini": { input: 1.1, cached_input: 0.275, output: 4.4, ...priority(2, 0.5, 8) },
  "o3-mini": { input: 1.1, cached_input: 0.55, output: 4.4 },
};

/** The built-in OpenAI table, with entries from a JSON file (`--prices`) on top. */
export function loadPriceTable(file: string | undefined): PriceTable {
  return loadPriceTableOver(BUILTIN_PRICES, file);
}
