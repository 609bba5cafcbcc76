import type { GridPoint } from "../../core/grid.js";
import type { Proposal } from "../proposer.js";

/** One request of a wave: the attempt it answers (its custom id) and the prompt. */
export interface BatchItem {
  readonly customId: string;
  readonly prompt: string;
  readonly gridPoint: GridPoint;
}

/** A batch's state as the provider reports it. */
export interface BatchState {
  readonly id: string;
  /** The provider's status (`validating`, `in_progress`, `completed`, `expired`, `ended`...). */
  readonly status: string;
  /** Processing is over: its results (whatever they are) can be read. */
  readonly ended: boolean;
  readonly counts: { readonly total: number; readonly done: number; readonly failed: number };
}

/**
 * One item's result: an answer (a Proposal without its duration, `error` set when the provider refused
 * the request for good), or `missing` (expired, cancelled, a transient error): sent again in a new batch.
 */
export type ItemResult =
  | { readonly kind: "answer"; readonly proposal: Omit<Proposal, "durationMs"> }
  | { readonly kind: "missing"; readonly reason: string };

/**
 * A submission's uploaded input (OpenAI's JSONL file), journalled between the upload and the batch's
 * creation: a run killed there creates its batch from the same file instead of uploading it again.
 */
export interface SubmitStaging {
  /** A file uploaded earlier with exactly this content (sha256, hex) and no batch created from it. */
  find(digest: string): string | undefined;
  /** The input is uploaded and the batch not created yet: journal it (before creating the batch). */
  uploaded(fileId: string, digest: string): void;
  /** A found file the provider refused (deleted, another account): uploaded again. */
  refused(fileId: string, error: string): void;
}

/** A provider's batch API, as the batching proposer uses it (src/proposer/batch/*-batch.ts). */
export interface BatchTransport {
  /** `openai`, `anthropic`: recorded in the journal. */
  readonly provider: string;
  /**
   * Submits the items as one batch; resolves with its id once the provider has it. A transport that
   * uploads the input first (OpenAI) stages it through `staging`.
   */
  submit(items: readonly BatchItem[], signal: AbortSignal, staging?: SubmitStaging): Promise<string>;
  retrieve(id: string, signal: AbortSignal): Promise<BatchState>;
  /** The results of an ended batch, by custom id (items absent from the map are missing). */
  results(id: string, signal: AbortSignal): Promise<Map<string, ItemResult>>;
  /** Asks the provider to stop the batch (what it finished stays billed and readable). */
  cancel(id: string): Promise<void>;
}

/**
 * The custom id of an attempt: `<fn>-L<len>-T<trial>-a<attempt>`, within what both providers accept
 * (Anthropic: 1..64 of `[A-Za-z0-9_-]`).
 */
export function customIdOf(point: GridPoint, attempt: number): string {
  const fn = point.fn.replace(/[^A-Za-z0-9_-]/g, "_");
  return `${fn}-L${point.length}-T${point.trial ?? 1}-a${attempt}`.slice(-64);
}
