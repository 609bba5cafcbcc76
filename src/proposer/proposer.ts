import type { Example } from "../core/example.js";
import type { GridPoint } from "../core/grid.js";

/**
 * Token usage of one call, provider-neutral, normalised as the paper does (Responses names plus
 * chat-style aliases). `input_tokens` counts every input token (cached reads and cache writes
 * included); `output_tokens` every output token (reasoning/thinking included). Each provider module
 * maps its own usage object onto this one; the runner, budget and artifacts know only this.
 */
export interface Usage {
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly total_tokens: number;
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  /** Input tokens read from the provider's prompt cache. */
  readonly cached_tokens: number;
  /** Output tokens spent reasoning/thinking. */
  readonly reasoning_tokens: number;
  /** Input tokens written to the prompt cache (Anthropic bills them above input); absent: none reported. */
  readonly cache_write_tokens?: number;
  /** Prompt tokens of tool use (Gemini's toolUsePromptTokenCount); absent: none reported. */
  readonly tool_use_tokens?: number;
}

/** One candidate from a proposer: raw text that goes through the same extraction and verification. */
export interface Proposal {
  /** Raw model text (the enumerator emits `{"code": "..."}` as a model would). */
  readonly text: string;
  readonly usage?: Usage;
  /**
   * The call may have been billed but the provider reported no usage (a timeout, a dropped connection,
   * a response without usage): the runner keeps the call's budget reservation as spent (the worst
   * case) and marks the attempt's spend as an estimate.
   */
  readonly usageUnknown?: boolean;
  /** The call failed (after retries): recorded as the attempt's error. */
  readonly error?: string;
  /** The response was `incomplete`, with this reason (e.g. max_output_tokens). */
  readonly incompleteReason?: string;
  /** Tool calls made by the model (code interpreter), and the characters of their results. */
  readonly toolUses?: number;
  readonly toolResultsChars?: number;
  readonly durationMs: number;
  /**
   * How the call was processed, for its price (the batch API, a service tier); absent: standard.
   * The budget prices the call's usage at this mode's rates.
   */
  readonly pricingMode?: "standard" | "batch" | "flex" | "priority";
  /** Proposer-specific facts kept in the attempt record (response id, enumeration progress...). */
  readonly meta?: Readonly<Record<string, unknown>>;
}

/**
 * What a proposer is given for one grid point: the prompt, the training examples and where it is in the
 * grid. Never the ground truth (the task's label function) nor a validation or test label.
 */
export interface ProposerContext {
  readonly gridPoint: GridPoint;
  /** The paper's prompt for this grid point. */
  readonly prompt: string;
  /** Training examples only: a proposer never sees validation or test labels. */
  readonly train: readonly Example[];
  /** Attempts already recorded for this grid point (resume): the session continues after them. */
  readonly attemptsDone: number;
  readonly signal: AbortSignal;
}

/** Candidates for one grid point, in order. */
export interface ProposerSession {
  /**
   * The next candidate, or null when the proposer has nothing more to offer. The runner passes the
   * 1-based attempt number it will record the candidate under: a deterministic proposer (the
   * enumerator's ranked list) serves the candidate of that rank, so `--batch` and a resume with
   * holes (attempts 1 and 3 recorded) never serve one candidate twice or skip one. A model ignores it.
   */
  next(attempt?: number): Promise<Proposal | null>;
  close?(): Promise<void>;
}

export interface Proposer {
  /** Recorded in every attempt: `openai:gpt-5`, `enumerative`. */
  readonly id: string;
  open(ctx: ProposerContext): ProposerSession;
}

/**
 * `next()` was aborted (Ctrl-C, the early stop of a batch): nothing to record, but the call may have
 * cost money. `usage` is what the provider reported for it (a cancelled background response); undefined
 * when unknown (a plain call cut mid-flight), and the runner then counts the call's reservation.
 */
export class CallAbortedError extends Error {
  override readonly name = "CallAbortedError";
  constructor(
    readonly reason: unknown,
    readonly usage: Usage | undefined,
    /** The provider's id of the call (a background response), when it has one. */
    readonly responseId?: string,
  ) {
    super(reason instanceof Error ? reason.message : String(reason ?? "aborted"));
  }
}
