import type OpenAI from "openai";
import { z } from "zod";
import { normaliseUsage } from "./openai-usage.js";
import type { Usage } from "./proposer.js";

import {
  DEFAULT_MAX_OUTPUT_TOKENS,
  DEFAULT_MODEL,
  REASONING_EFFORTS,
  type ReasoningEffortValue,
  TOOL_CHOICES,
  type ToolChoice,
  VERBOSITIES,
  type Verbosity,
} from "./request-options.js";

// Every reasoning effort the SDK (v6) knows; models accept a subset, the server says which.
export {
  REASONING_EFFORTS,
  type ReasoningEffortValue,
  TOOL_CHOICES,
  type ToolChoice,
  VERBOSITIES,
  type Verbosity,
};

export const OpenAIRequestConfigSchema = z.object({
  model: z.string().min(1),
  maxOutputTokens: z.number().int().positive(),
  reasoningEffort: z.enum(REASONING_EFFORTS),
  /** undefined: no text.verbosity in the request. */
  verbosity: z.enum(VERBOSITIES).optional(),
  toolChoice: z.enum(TOOL_CHOICES),
  codeInterpreter: z.boolean(),
  structuredOutput: z.boolean(),
});
export type OpenAIRequestConfig = z.infer<typeof OpenAIRequestConfigSchema>;

/** The paper runner's request defaults (docs/runner.md, "The request"); its code interpreter is off by default. */
export const PAPER_REQUEST_DEFAULTS = {
  model: DEFAULT_MODEL,
  maxOutputTokens: DEFAULT_MAX_OUTPUT_TOKENS,
  reasoningEffort: "high",
  verbosity: "low",
  toolChoice: "auto",
  codeInterpreter: false,
  structuredOutput: false,
} as const satisfies OpenAIRequestConfig;

/** JSON schema of the free-text contract `{"code": "..."}`, for `--structured-output`. */
export const CODE_SCHEMA = {
  type: "object",
  properties: { code: { type: "string", description: "Python source defining the function f" } },
  required: ["code"],
  additionalProperties: false,
} as const;

/**
 * The paper's request (docs/runner.md, "The request"): one user message with one
 * input_text part, reasoning.effort, max_output_tokens, tool_choice, the code interpreter with an auto
 * container when enabled, text.verbosity when set; text.format only with --structured-output.
 */
export function buildResponsesRequest(
  prompt: string,
  cfg: OpenAIRequestConfig,
  background = false,
  extra: RequestExtras = {},
): OpenAI.Responses.ResponseCreateParamsNonStreaming {
  const text: OpenAI.Responses.ResponseTextConfig = {};
  if (cfg.verbosity !== undefined) text.verbosity = cfg.verbosity;
  if (cfg.structuredOutput) {
    text.format = { type: "json_schema", name: "program", schema: { ...CODE_SCHEMA }, strict: true };
  }
  return {
    model: cfg.model,
    input: [{ role: "user", content: [{ type: "input_text", text: prompt }] }],
    reasoning: { effort: cfg.reasoningEffort },
    max_output_tokens: cfg.maxOutputTokens,
    tool_choice: cfg.toolChoice,
    ...(cfg.codeInterpreter ? { tools: [{ type: "code_interpreter", container: { type: "auto" } }] } : {}),
    ...(Object.keys(text).length > 0 ? { text } : {}),
    ...(background ? { background: true } : {}),
    ...(extra.serviceTier !== undefined ? { service_tier: extra.serviceTier } : {}),
    ...(extra.promptCacheKey !== undefined ? { prompt_cache_key: extra.promptCacheKey } : {}),
  };
}

/** What a request carries besides the paper's fields (absent: not sent, the paper's request). */
export interface RequestExtras {
  /** `service_tier` (--service-tier). */
  readonly serviceTier?: "auto" | "default" | "flex" | "priority";
  /** `prompt_cache_key` (--prompt-cache): one per grid point, so its attempts share a cache. */
  readonly promptCacheKey?: string;
}

/** The prompt cache key of a grid point: its trials share the prompt, so they share the key. */
export const promptCacheKeyOf = (p: { readonly fn: string; readonly length: number }): string =>
  `llm-erm-${p.fn}-L${p.length}`;

/** What one finished response means for an attempt. */
export interface InterpretedResponse {
  readonly status: string;
  readonly text: string;
  readonly usage: Usage;
  /** The response carried a usage object (a gateway may send none; a cancelled response may have none). */
  readonly usageReported: boolean;
  readonly toolUses: number;
  readonly toolResultsChars: number;
  readonly incompleteReason?: string;
  readonly error?: string;
}

const TERMINAL = new Set(["completed", "incomplete", "failed", "cancelled"]);
export const isTerminalStatus = (status: string | undefined): boolean =>
  status !== undefined && TERMINAL.has(status);

/** Collects the output text (the SDK's output_text, else the message parts), tool use and usage. */
export function interpretResponse(r: OpenAI.Responses.Response): InterpretedResponse {
  let text = typeof r.output_text === "string" ? r.output_text : "";
  let toolUses = 0;
  let toolResultsChars = 0;
  const parts: string[] = [];
  for (const item of r.output ?? []) {
    if (item.type === "code_interpreter_call") {
      toolUses++;
      for (const out of item.outputs ?? []) {
        if (out.type === "logs") toolResultsChars += out.logs.length;
      }
    } else if (item.type === "message") {
      for (const c of item.content ?? []) if (c.type === "output_text") parts.push(c.text);
    }
  }
  if (text === "" && parts.length > 0) text = parts.join("");
  const status = r.status ?? "completed";
  const base = {
    status,
    text,
    usage: normaliseUsage(r.usage),
    usageReported: r.usage !== null && r.usage !== undefined,
    toolUses,
    toolResultsChars,
  };
  if (status === "incomplete")
    return { ...base, incompleteReason: r.incomplete_details?.reason ?? "unknown" };
  if (status === "failed") {
    return {
      ...base,
      error: `response failed: ${r.error?.code ?? "unknown"}: ${r.error?.message ?? ""}`.trim(),
    };
  }
  if (status === "cancelled") return { ...base, error: "response cancelled" };
  return base;
}
