import { z } from "zod";
import type { Proposal } from "../proposer/proposer.js";
import { UsageSchema } from "./attempt-record.js";

/**
 * One line of `<jsonl stem>.answers.jsonl`: a proposer's answer, written (fsync'ed) the moment it
 * arrives, before its candidate is verified. An answer whose attempt record is missing from the JSONL
 * (a kill -9 during verification) is verified and recorded on resume without asking again.
 */
export const AnswerRecordSchema = z.object({
  fn: z.string(),
  length: z.number().int(),
  /** --trials: the trial (2, 3, ...); absent for trial 1. */
  trial: z.number().int().positive().optional(),
  attempt: z.number().int().positive(),
  proposer: z.string(),
  config_fingerprint: z.string(),
  text: z.string(),
  /** null when the proposer reported none. */
  usage: UsageSchema.nullable(),
  error: z.string().optional(),
  incomplete_reason: z.string().optional(),
  tool_uses: z.number().optional(),
  tool_results_chars: z.number().optional(),
  duration_ms: z.number(),
  meta: z.record(z.string(), z.unknown()).optional(),
  /** What the call cost (null: the model has no price). */
  cost_usd: z.number().nullable(),
  /** The call reported no usage: cost_usd and estimated_tokens are its reservation (as in the attempt record). */
  spend_estimated: z.literal(true).optional(),
  estimated_tokens: z.number().optional(),
  ts: z.string(),
});
export type AnswerRecord = z.infer<typeof AnswerRecordSchema>;

export interface AnswerIdentity {
  readonly fn: string;
  readonly length: number;
  readonly trial?: number;
  readonly attempt: number;
  readonly proposer: string;
  readonly config_fingerprint: string;
}

/** What a call cost: its price for the reported usage, or the estimate kept when usage is unknown. */
export interface CallSpend {
  readonly costUsd: number | null;
  /** Set when usage is unknown: the tokens reserved for the call, counted as spent. */
  readonly estimatedTokens?: number;
}

/** The record fields of a spend: cost_usd, and the estimate's marks when it is one. */
export const spendFields = (
  spend: CallSpend,
): { cost_usd: number | null; spend_estimated?: true; estimated_tokens?: number } => ({
  cost_usd: spend.costUsd,
  ...(spend.estimatedTokens !== undefined
    ? { spend_estimated: true, estimated_tokens: spend.estimatedTokens }
    : {}),
});

/** The spend an answer (or attempt) record holds. */
export const spendOf = (r: {
  cost_usd: number | null;
  estimated_tokens?: number | undefined;
}): CallSpend => ({
  costUsd: r.cost_usd,
  ...(r.estimated_tokens !== undefined ? { estimatedTokens: r.estimated_tokens } : {}),
});

export function answerOfProposal(id: AnswerIdentity, p: Proposal, spend: CallSpend): AnswerRecord {
  return {
    fn: id.fn,
    length: id.length,
    ...(id.trial !== undefined && id.trial > 1 ? { trial: id.trial } : {}),
    attempt: id.attempt,
    proposer: id.proposer,
    config_fingerprint: id.config_fingerprint,
    text: p.text,
    usage: p.usage ? { ...p.usage } : null,
    ...(p.error !== undefined ? { error: p.error } : {}),
    ...(p.incompleteReason !== undefined ? { incomplete_reason: p.incompleteReason } : {}),
    ...(p.toolUses !== undefined ? { tool_uses: p.toolUses } : {}),
    ...(p.toolResultsChars !== undefined ? { tool_results_chars: p.toolResultsChars } : {}),
    duration_ms: p.durationMs,
    ...(p.meta ? { meta: { ...p.meta } } : {}),
    ...spendFields(spend),
    ts: new Date().toISOString(),
  };
}

/** The proposal an answer record holds, as the proposer returned it. */
export function proposalOfAnswer(a: AnswerRecord): Proposal {
  return {
    text: a.text,
    durationMs: a.duration_ms,
    ...(a.usage ? { usage: a.usage } : {}),
    ...(a.error !== undefined ? { error: a.error } : {}),
    ...(a.incomplete_reason !== undefined ? { incompleteReason: a.incomplete_reason } : {}),
    ...(a.tool_uses !== undefined ? { toolUses: a.tool_uses } : {}),
    ...(a.tool_results_chars !== undefined ? { toolResultsChars: a.tool_results_chars } : {}),
    ...(a.meta ? { meta: a.meta } : {}),
  };
}
