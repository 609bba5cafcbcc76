import { costOf, type Price, type PricingMode, worstCaseCost } from "../proposer/pricing.js";
import type { Usage } from "../proposer/proposer.js";

export interface BudgetOptions {
  readonly maxCostUsd?: number;
  readonly maxTokens?: number;
  /** Price of the model; required when maxCostUsd is set (the CLI checks). */
  readonly price?: Price;
  /**
   * The rates a call is settled at by how it was processed (Proposal.pricingMode: batch, flex...);
   * absent, or a call without a mode: `price`. Undefined for a mode: its cost is unknown.
   */
  readonly priceOfMode?: (mode: PricingMode) => Price | undefined;
  /** The request's max_output_tokens: the most one call can produce. */
  readonly maxOutputTokens: number;
  /** Spent by attempts already on disk (resume): budgets cover the whole run, not one invocation. */
  readonly spentUsd?: number;
  readonly spentTokens?: number;
}

export interface Reservation {
  readonly usd: number;
  readonly tokens: number;
}

/**
 * Budgets that stop a run before it overspends: a call starts only if its worst case (every allowed
 * output token, the input estimate uncached) fits beside what was spent and what calls in flight may
 * still spend. Once a call does not fit, the budget is exhausted and no further call starts.
 */
export class Budget {
  private spentUsd: number;
  private spentTokens: number;
  private reservedUsd = 0;
  private reservedTokens = 0;
  exhausted = false;

  constructor(private readonly opts: BudgetOptions) {
    this.spentUsd = opts.spentUsd ?? 0;
    this.spentTokens = opts.spentTokens ?? 0;
  }

  get limited(): boolean {
    return this.opts.maxCostUsd !== undefined || this.opts.maxTokens !== undefined;
  }

  /** Reserve room for one call whose input is about `inputTokens`; null (and exhausted) when it does not fit. */
  tryReserve(inputTokens: number): Reservation | null {
    if (this.exhausted) return null;
    const tokens = inputTokens + this.opts.maxOutputTokens;
    const usd = this.opts.price ? worstCaseCost(inputTokens, this.opts.maxOutputTokens, this.opts.price) : 0;
    if (
      this.opts.maxTokens !== undefined &&
      this.spentTokens + this.reservedTokens + tokens > this.opts.maxTokens
    ) {
      this.exhausted = true;
      return null;
    }
    if (this.opts.maxCostUsd !== undefined && this.spentUsd + this.reservedUsd + usd > this.opts.maxCostUsd) {
      this.exhausted = true;
      return null;
    }
    this.reservedTokens += tokens;
    this.reservedUsd += usd;
    return { usd, tokens };
  }

  /** The call ended: drop its reservation, count what it really used. Returns its cost (null: no price). */
  settle(res: Reservation, usage: Usage | undefined, mode?: PricingMode): number | null {
    this.reservedTokens -= res.tokens;
    this.reservedUsd -= res.usd;
    // No usage (the call made none): free. Usage without a price: unknown cost.
    const price = mode !== undefined && this.opts.priceOfMode ? this.opts.priceOfMode(mode) : this.opts.price;
    let cost: number | null = 0;
    if (usage) cost = price ? costOf(usage, price) : null;
    this.spentTokens += usage?.total_tokens ?? 0;
    this.spentUsd += cost ?? 0;
    return cost;
  }

  /**
   * The call ended and may have been billed, but no usage is known (a timeout, a dropped connection,
   * a call cut by an early stop): its reservation, the worst case, stays spent. Returns that estimate
   * (usd null: no price).
   */
  settleUnknown(res: Reservation): { usd: number | null; tokens: number } {
    this.reservedTokens -= res.tokens;
    this.reservedUsd -= res.usd;
    this.spentTokens += res.tokens;
    this.spentUsd += res.usd;
    return { usd: this.opts.price ? res.usd : null, tokens: res.tokens };
  }

  get spent(): { usd: number; tokens: number } {
    return { usd: this.spentUsd, tokens: this.spentTokens };
  }
}

/**
 * What a recorded call spent, for a budget resumed from the JSONL: its usage, or the estimate kept for
 * a call whose usage was unknown (`estimated_tokens`; its `cost_usd` is the estimate already).
 */
export function spentBy(r: {
  readonly usage: Usage | null;
  readonly cost_usd: number | null;
  readonly estimated_tokens?: number | undefined;
}): { usd: number; tokens: number } {
  return { usd: r.cost_usd ?? 0, tokens: (r.usage?.total_tokens ?? 0) + (r.estimated_tokens ?? 0) };
}
