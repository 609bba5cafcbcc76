import { UsageError } from "../core/errors.js";
import { type Price, type PricingMode, priceOfMode } from "../proposer/pricing.js";
import type { ProviderModule, ResolvedProvider } from "../proposer/provider-module.js";
import { providersSupporting } from "../proposer/registry.js";
import type { RunSettings } from "../runner/run-config.js";

/** The mode a run's calls are priced in, from its flags (a flex call that falls back is priced standard). */
export function requestedPricingMode(s: RunSettings): PricingMode {
  if (s.batchApi) return "batch";
  if (s.serviceTier === "flex") return "flex";
  if (s.serviceTier === "priority") return "priority";
  return "standard";
}

/**
 * Refuses the cost flags a provider cannot honour (its module's `supports`), naming the flag:
 * --batch-api needs a provider with a batch API here and neither --background nor --service-tier.
 */
export function checkCostFlags(
  s: RunSettings,
  provider: ProviderModule | undefined,
  configured?: ResolvedProvider,
): void {
  const id = provider?.id ?? "enumerative";
  if (s.batchApi) {
    if (!provider?.supports.batchApi)
      throw new UsageError(
        `--batch-api: only --provider ${providersSupporting("batchApi")} have a batch API here, not ${id}`,
      );
    if (configured !== undefined && configured.createBatchTransport === undefined)
      throw new UsageError(`--batch-api: --provider ${id} has no batch API here`);
    if (s.background)
      throw new UsageError("--batch-api and --background: choose one (a batch is polled already)");
    if (s.serviceTier !== undefined)
      throw new UsageError("--batch-api and --service-tier: a batch is priced as a batch; choose one");
  }
  if (s.serviceTier !== undefined && !provider?.supports.serviceTier)
    throw new UsageError(
      `--service-tier: only --provider ${providersSupporting("serviceTier")} takes it, not ${id}`,
    );
  if (s.promptCache && !provider?.supports.promptCache)
    throw new UsageError(
      `--prompt-cache: only --provider ${providersSupporting("promptCache")} take it, not ${id}`,
    );
}

/**
 * The rates a call's budget reservation uses (its worst case): the requested mode's, except flex with
 * --flex-fallback auto, which may be served at the standard rate.
 */
export function reservationPrice(base: Price, s: RunSettings): Price | undefined {
  const mode = requestedPricingMode(s);
  if (mode === "flex" && s.flexFallback === "auto") return priceOfMode(base, "standard");
  return priceOfMode(base, mode);
}

/** One line of the batch display on stderr for a batching proposer's event (undefined: not shown). */
export function batchEventLine(event: string, f: Record<string, unknown>): string | undefined {
  const id = String(f.batch_id ?? "");
  switch (event) {
    case "batch_submitted":
      return `batch ${id}: submitted, ${f.requests} request(s)`;
    case "batch_state":
      return `batch ${id}: ${f.status} (${f.done}/${f.total} answered, ${f.failed} failed)`;
    case "batch_resume_batch":
      return `batch ${id}: resuming it (polling, not submitting again)`;
    case "batch_item_resubmit":
      return `batch ${id}: ${f.custom_id} unanswered (${f.reason}); into the next batch`;
    case "batch_input_reused":
      return `batch input ${f.file_id}: uploaded before an interruption, no batch made of it: creating the batch from it (${f.requests} request(s))`;
    case "batch_input_refused":
      return `batch input ${f.file_id}: refused (${f.error}); uploading it again`;
    case "batch_window_exceeded":
      return `batch ${id}: still ${f.status} after --batch-window; cancelled`;
    default:
      return undefined;
  }
}
