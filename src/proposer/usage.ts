import type { Usage } from "./proposer.js";

/** No tokens at all. */
export const ZERO_USAGE: Usage = {
  input_tokens: 0,
  output_tokens: 0,
  total_tokens: 0,
  prompt_tokens: 0,
  completion_tokens: 0,
  cached_tokens: 0,
  reasoning_tokens: 0,
};

/** A finite count, else 0 (what a provider reports is read leniently: an absent field counts nothing). */
export const count = (v: number | null | undefined): number =>
  typeof v === "number" && Number.isFinite(v) ? v : 0;

/**
 * The provider-neutral usage of one call, from its parts. `input` counts every input token (cached
 * reads and cache writes included), `output` every output token (reasoning included): the totals a
 * budget needs. The optional parts are set only when the provider reports them.
 */
export function makeUsage(parts: {
  input: number;
  output: number;
  total?: number;
  cachedRead?: number;
  cacheWrite?: number;
  reasoning?: number;
  toolUse?: number;
}): Usage {
  const input = count(parts.input);
  const output = count(parts.output);
  return {
    input_tokens: input,
    output_tokens: output,
    total_tokens: count(parts.total) || input + output,
    prompt_tokens: input,
    completion_tokens: output,
    cached_tokens: count(parts.cachedRead),
    reasoning_tokens: count(parts.reasoning),
    ...(parts.cacheWrite ? { cache_write_tokens: count(parts.cacheWrite) } : {}),
    ...(parts.toolUse ? { tool_use_tokens: count(parts.toolUse) } : {}),
  };
}

/** Field-wise sum of usages (run totals); the optional parts appear when either side has them. */
export function addUsage(a: Usage, b: Usage): Usage {
  const cacheWrite =
    a.cache_write_tokens !== undefined || b.cache_write_tokens !== undefined
      ? { cache_write_tokens: (a.cache_write_tokens ?? 0) + (b.cache_write_tokens ?? 0) }
      : {};
  const toolUse =
    a.tool_use_tokens !== undefined || b.tool_use_tokens !== undefined
      ? { tool_use_tokens: (a.tool_use_tokens ?? 0) + (b.tool_use_tokens ?? 0) }
      : {};
  return {
    input_tokens: a.input_tokens + b.input_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    total_tokens: a.total_tokens + b.total_tokens,
    prompt_tokens: a.prompt_tokens + b.prompt_tokens,
    completion_tokens: a.completion_tokens + b.completion_tokens,
    cached_tokens: a.cached_tokens + b.cached_tokens,
    reasoning_tokens: a.reasoning_tokens + b.reasoning_tokens,
    ...cacheWrite,
    ...toolUse,
  };
}
