import { costOf, type Price, worstCaseCost } from "../proposer/openai-pricing.js";
import type { Usage } from "../proposer/proposer.js";

export interface BudgetOptions {
  readonly maxCostUsd?: number;
  readonly maxTokens?: number;
  /** Price of the model; required when maxCostUsd is set (the CLI checks). */
  readonly price?: Price;
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
  settle(res: Reservation, usage: Usage | undefined): number | null {
    this.reservedTokens -= res.tokens;
    this.reservedUsd -= res.usd;
    const u = usage;
    const cost = u && this.opts.price ? costOf(u, this.opts.price) : u ? null : 0;
    this.spentTokens += u?.total_tokens ?? 0;
    this.spentUsd += cost ?? 0;
    return cost;
  }

  get spent(): { usd: number; tokens: number } {
    return { usd: this.spentUsd, tokens: this.spentTokens };
  }
}
