import { readFileSync } from "node:fs";
import { z } from "zod";
import { UsageError } from "../core/errors.js";
import type { Usage } from "./proposer.js";

/**
 * USD per one million tokens. Reasoning/thinking tokens are billed as output tokens (they are inside
 * output_tokens). `cached_input` prices cache reads (default: input), `cache_write` cache writes
 * (default: input).
 */
const RatesSchema = z.object({
  input: z.number().nonnegative(),
  cached_input: z.number().nonnegative().optional(),
  cache_write: z.number().nonnegative().optional(),
  output: z.number().nonnegative(),
});
/** The standard rates, and optionally a processing mode's own (batch, flex, priority): same fields. */
export const PriceSchema = RatesSchema.extend({
  /** Batch API rates (OpenAI Batch, Anthropic Message Batches); absent: half of every standard rate. */
  batch: RatesSchema.optional(),
  /** OpenAI `service_tier: "flex"`; absent: half of every standard rate (as OpenAI lists it). */
  flex: RatesSchema.optional(),
  /** OpenAI `service_tier: "priority"`; absent: unknown (no cost, and --max-cost-usd refuses). */
  priority: RatesSchema.optional(),
});
export type Price = z.infer<typeof PriceSchema>;
/** How a call was processed, for its price: standard (sync/background/`auto`/`default`), batch, or a tier. */
export type PricingMode = "standard" | "batch" | "flex" | "priority";

const halved = (p: Price): Price => ({
  input: p.input / 2,
  ...(p.cached_input !== undefined ? { cached_input: p.cached_input / 2 } : {}),
  ...(p.cache_write !== undefined ? { cache_write: p.cache_write / 2 } : {}),
  output: p.output / 2,
});

/**
 * The rates of one processing mode: the table's own for it, else what the providers publish as the
 * rule (the Batch API and flex are half of every standard rate, cache reads and writes included:
 * https://openai.com/api/pricing/ , https://platform.claude.com/docs/en/build-with-claude/batch-processing );
 * priority has no rule: undefined unless the table gives it.
 */
export function priceOfMode(price: Price, mode: PricingMode): Price | undefined {
  const standard: Price = {
    input: price.input,
    ...(price.cached_input !== undefined ? { cached_input: price.cached_input } : {}),
    ...(price.cache_write !== undefined ? { cache_write: price.cache_write } : {}),
    output: price.output,
  };
  if (mode === "standard") return standard;
  if (mode === "priority") return price.priority;
  return price[mode] ?? halved(standard);
}

/**
 * The mode a response was served in, from the `service_tier` it reports (OpenAI answers with the tier
 * actually used: `flex`, `priority`, `default`...); `batch` for a batch result whatever it says.
 */
export function pricingModeOf(serviceTier: unknown, batch: boolean): PricingMode {
  if (batch) return "batch";
  return serviceTier === "flex" || serviceTier === "priority" ? serviceTier : "standard";
}
export const PriceTableSchema = z.record(z.string(), PriceSchema);
export type PriceTable = z.infer<typeof PriceTableSchema>;

/** A dated snapshot of a model as OpenAI names them: `<id>-YYYY-MM-DD` (gpt-5-2025-08-07 is gpt-5). */
export const DASHED_DATE_SNAPSHOT = /^(.+)-\d{4}-\d{2}-\d{2}$/;
/** A dated snapshot as Anthropic names them: `<id>-YYYYMMDD` (claude-sonnet-4-5-20250929). */
export const COMPACT_DATE_SNAPSHOT = /^(.+)-\d{8}$/;

/**
 * The price of a model: its exact id, else, for a dated snapshot (`gpt-5-2025-08-07`), the id without the
 * date. Nothing else: an id another one prefixes is another model (`gpt-5-pro` costs 12x `gpt-5`).
 */
export function findPrice(
  table: PriceTable,
  model: string,
  snapshot: RegExp = DASHED_DATE_SNAPSHOT,
): Price | undefined {
  if (Object.hasOwn(table, model)) return table[model];
  const base = snapshot.exec(model)?.[1];
  return base !== undefined && Object.hasOwn(table, base) ? table[base] : undefined;
}

/** The price `--max-cost-usd` needs: an unknown model is a usage error saying how to give its price. */
export function priceForBudget(
  table: PriceTable,
  model: string,
  snapshot: RegExp = DASHED_DATE_SNAPSHOT,
): Price {
  const price = findPrice(table, model, snapshot);
  if (price !== undefined) return price;
  throw new UsageError(
    `--max-cost-usd: no price known for --model ${model} (the built-in table matches exact model ids and ` +
      `their dated snapshots only); give one with --prices FILE, a JSON file of USD per 1M tokens: ` +
      `{"${model}": {"input": <USD>, "cached_input": <USD, optional>, "output": <USD>}}`,
  );
}

/**
 * Cost of one call in USD: uncached input + cache reads at their rate + cache writes at theirs +
 * output (reasoning included).
 */
export function costOf(usage: Usage, price: Price): number {
  const cached = Math.min(usage.cached_tokens, usage.input_tokens);
  const written = Math.min(usage.cache_write_tokens ?? 0, usage.input_tokens - cached);
  const cachedRate = price.cached_input ?? price.input;
  const writeRate = price.cache_write ?? price.input;
  return (
    ((usage.input_tokens - cached - written) * price.input +
      cached * cachedRate +
      written * writeRate +
      usage.output_tokens * price.output) /
    1e6
  );
}

/**
 * Worst case of a call not yet made: every input token uncached (or written to the cache, when that
 * costs more), every allowed output token used.
 */
export function worstCaseCost(inputTokens: number, maxOutputTokens: number, price: Price): number {
  const inputRate = Math.max(price.input, price.cache_write ?? price.input);
  return (inputTokens * inputRate + maxOutputTokens * price.output) / 1e6;
}

/** A provider's built-in table, with entries from a JSON file (`--prices`) on top. */
export function loadPriceTableOver(builtin: PriceTable, file: string | undefined): PriceTable {
  if (file === undefined) return builtin;
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
  return { ...builtin, ...parsed.data };
}
