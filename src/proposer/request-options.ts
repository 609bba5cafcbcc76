/**
 * The request options every provider is configured from (the run's flags), provider-neutral. Each
 * provider module validates the ones it uses with its own schema and maps them onto its API.
 */

/** Every reasoning effort the flags accept; a provider maps or refuses them, the server says which. */
export const REASONING_EFFORTS = ["none", "minimal", "low", "medium", "high", "xhigh", "max"] as const;
export type ReasoningEffortValue = (typeof REASONING_EFFORTS)[number];
export const VERBOSITIES = ["low", "medium", "high"] as const;
export type Verbosity = (typeof VERBOSITIES)[number];
export const TOOL_CHOICES = ["auto", "none", "required"] as const;
export type ToolChoice = (typeof TOOL_CHOICES)[number];

/** OpenAI's `service_tier` values --service-tier sends (`default` is what `auto` usually serves). */
export const SERVICE_TIERS = ["auto", "default", "flex", "priority"] as const;
export type ServiceTier = (typeof SERVICE_TIERS)[number];
/**
 * What a flex call refused for lack of capacity (429 "Resource Unavailable") does: `auto` sends it
 * again at once with service_tier auto (standard price), `retry` keeps retrying flex with backoff,
 * `fail` records the attempt as failed.
 */
export const FLEX_FALLBACKS = ["auto", "retry", "fail"] as const;
export type FlexFallback = (typeof FLEX_FALLBACKS)[number];

/** The model used when neither --model nor OPENAI_MODEL names one (the paper's). */
export const DEFAULT_MODEL = "gpt-5";
/** max_output_tokens when --max-output-tokens is not given (the paper's). */
export const DEFAULT_MAX_OUTPUT_TOKENS = 20000;

/** What the run hands a provider: its flags and environment, merged (see run-config.ts). */
export interface ProviderSettings {
  readonly model: string;
  readonly maxOutputTokens: number;
  readonly reasoningEffort?: ReasoningEffortValue | undefined;
  readonly verbosity?: Verbosity | undefined;
  readonly toolChoice?: ToolChoice | undefined;
  readonly codeInterpreter: boolean;
  readonly structuredOutput: boolean;
  readonly background: boolean;
  readonly timeoutS: number;
  /** --thinking-budget: anthropic's budget_tokens, gemini's thinkingBudget (-1, 0 or tokens); any integer here. */
  readonly thinkingBudget?: number | undefined;
  /** --service-tier (openai); undefined: not sent. */
  readonly serviceTier?: ServiceTier | undefined;
  /** --flex-fallback (openai, with --service-tier flex); default auto. */
  readonly flexFallback?: FlexFallback | undefined;
  /** --prompt-cache: prompt_cache_key per grid point (openai), cache_control (anthropic). */
  readonly promptCache?: boolean | undefined;
  /** --base-url (else the provider's environment variable, else its SDK's default). */
  readonly baseUrl?: string | undefined;
}

/** A provider's defaults for the options a flag leaves unset (undefined: not sent). */
export interface RequestDefaults {
  readonly reasoningEffort?: ReasoningEffortValue;
  readonly verbosity?: Verbosity;
  readonly toolChoice?: ToolChoice;
}
