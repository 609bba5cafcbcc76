/**
 * Budget reservations around one proposer call: a call starts only with a reservation for its worst
 * case, and ends by settling it with what the call really used. A call cut before it answered (an
 * early stop of a batch, Ctrl-C) records no attempt, but what it may have cost still counts: it is
 * reported as an `UnrecordedCall` (the run manifest keeps it for a resumed budget).
 */
import type { CallSpend } from "../artifacts/answer-record.js";
import { CallAbortedError, type Proposal, type Usage } from "../proposer/proposer.js";
import type { Budget, Reservation } from "./budget.js";
import type { RunLogger, UnrecordedCall } from "./grid-types.js";

export type BudgetedCallResult =
  /** An answer, with what it cost (an estimate when the provider did not say). */
  | { readonly kind: "answer"; readonly proposal: Proposal; readonly spend: CallSpend }
  /** The proposer has no more candidates for this grid point. */
  | { readonly kind: "no_more" }
  /** No call was made (the budget has no room), or it ended with nothing to record. */
  | { readonly kind: "skipped" }
  /** Cut before it answered: no attempt, but this spend counts. */
  | { readonly kind: "cut"; readonly usage: Usage | null; readonly costUsd: number | null };

export interface BudgetedCallDeps {
  readonly budget: Budget;
  readonly logger: RunLogger;
  readonly proposer: string;
  readonly fingerprint: string;
  readonly onUnrecordedCall?: ((call: UnrecordedCall) => void | Promise<void>) | undefined;
}

export interface CallRequest {
  readonly attempt: number;
  /** The input tokens to reserve for (the prompt's estimate, or the largest input seen). */
  readonly inputTokens: number;
  /** The grid point's log fields (fn, length, trial). */
  readonly log: { readonly fn: string; readonly length: number; readonly trial?: number };
  /** The grid point was stopped (early stop, Ctrl-C): a failure then is not an error. */
  readonly stopped: () => boolean;
}

/** Runs `call` inside a reservation; a call that does not fit is not started (and the budget is exhausted). */
export async function budgetedCall(
  req: CallRequest,
  call: () => Promise<Proposal | null>,
  deps: BudgetedCallDeps,
): Promise<BudgetedCallResult> {
  const reservation = deps.budget.tryReserve(req.inputTokens);
  if (reservation === null) {
    deps.logger.warn(
      { ...req.log, attempt: req.attempt, spent: deps.budget.spent },
      "budget: not starting a call that could exceed it",
    );
    return { kind: "skipped" };
  }
  let proposal: Proposal | null;
  try {
    proposal = await call();
  } catch (err) {
    if (err instanceof CallAbortedError) return cutCall(req, reservation, err, deps);
    deps.budget.settle(reservation, undefined);
    if (req.stopped()) return { kind: "skipped" };
    throw err;
  }
  if (proposal === null) {
    deps.budget.settle(reservation, undefined);
    return { kind: "no_more" };
  }
  if (proposal.usageUnknown) {
    // Billed, but by how much nobody said: the worst case reserved for it stays spent.
    const estimate = deps.budget.settleUnknown(reservation);
    return { kind: "answer", proposal, spend: { costUsd: estimate.usd, estimatedTokens: estimate.tokens } };
  }
  return {
    kind: "answer",
    proposal,
    spend: { costUsd: deps.budget.settle(reservation, proposal.usage, proposal.pricingMode) },
  };
}

/** A call cut before it answered: settled with the usage the provider reported, else its reservation. */
async function cutCall(
  req: CallRequest,
  reservation: Reservation,
  err: CallAbortedError,
  deps: BudgetedCallDeps,
): Promise<BudgetedCallResult> {
  let cut: Pick<UnrecordedCall, "usage" | "cost_usd" | "estimated_tokens">;
  if (err.usage) {
    cut = { usage: err.usage, cost_usd: deps.budget.settle(reservation, err.usage) };
  } else {
    const estimate = deps.budget.settleUnknown(reservation);
    cut = { usage: null, cost_usd: estimate.usd, estimated_tokens: estimate.tokens };
  }
  const call: UnrecordedCall = {
    ...req.log,
    attempt: req.attempt,
    proposer: deps.proposer,
    config_fingerprint: deps.fingerprint,
    ...cut,
    ...(err.responseId !== undefined ? { response_id: err.responseId } : {}),
    ts: new Date().toISOString(),
  };
  deps.logger.warn(
    {
      ...req.log,
      attempt: req.attempt,
      tokens: cut.usage?.total_tokens ?? call.estimated_tokens,
      cost_usd: cut.cost_usd,
      estimated: cut.usage === null,
    },
    "call cut before it answered: its spend counts",
  );
  await deps.onUnrecordedCall?.(call);
  return { kind: "cut", usage: cut.usage, costUsd: cut.cost_usd };
}
