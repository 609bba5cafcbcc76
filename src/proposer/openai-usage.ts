import { z } from "zod";
import type { Usage } from "./proposer.js";
import { addUsage, ZERO_USAGE } from "./usage.js";

export { addUsage, ZERO_USAGE };

/** The Responses API usage object as it arrives on the wire (every field optional: servers vary). */
const RawUsageSchema = z
  .object({
    input_tokens: z.number().optional(),
    output_tokens: z.number().optional(),
    total_tokens: z.number().optional(),
    prompt_tokens: z.number().optional(),
    completion_tokens: z.number().optional(),
    input_tokens_details: z.object({ cached_tokens: z.number().nullish() }).passthrough().nullish(),
    output_tokens_details: z.object({ reasoning_tokens: z.number().nullish() }).passthrough().nullish(),
    prompt_tokens_details: z.object({ cached_tokens: z.number().nullish() }).passthrough().nullish(),
    completion_tokens_details: z.object({ reasoning_tokens: z.number().nullish() }).passthrough().nullish(),
  })
  .passthrough();

const n = (v: number | null | undefined): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);

/**
 * Normalises a usage object as the paper's runner does: the Responses names (input/output) and the
 * chat-style aliases (prompt/completion) both present, cached and reasoning tokens lifted out of the
 * details. Accepts either naming on input; anything unreadable counts as zero.
 */
export function normaliseUsage(raw: unknown): Usage {
  const parsed = RawUsageSchema.safeParse(raw ?? {});
  if (!parsed.success) return ZERO_USAGE;
  const u = parsed.data;
  const input = n(u.input_tokens ?? u.prompt_tokens);
  const output = n(u.output_tokens ?? u.completion_tokens);
  return {
    input_tokens: input,
    output_tokens: output,
    total_tokens: n(u.total_tokens) || input + output,
    prompt_tokens: input,
    completion_tokens: output,
    cached_tokens: n(u.input_tokens_details?.cached_tokens ?? u.prompt_tokens_details?.cached_tokens),
    reasoning_tokens: n(
      u.output_tokens_details?.reasoning_tokens ?? u.completion_tokens_details?.reasoning_tokens,
    ),
  };
}
