import { extractCode } from "./extract.js";
import { zeroScores } from "./scores.js";
import type { Verifier, VerifyJob, VerifyResult } from "./types.js";

/**
 * Model text -> VerifyResult in one step (what the runner calls per attempt): extraction failure is
 * `no_code_found` with zero scores on every split asked for.
 */
export async function scoreCandidate(
  verifier: Verifier,
  text: string,
  splits: VerifyJob["splits"],
  signal?: AbortSignal,
): Promise<VerifyResult & { readonly code?: string; readonly via?: "json" | "brace_span" }> {
  const extraction = extractCode(text);
  if (!extraction.ok) {
    return { kind: "no_code_found", message: extraction.reason, scores: zeroScores(splits), durationMs: 0 };
  }
  const result = await verifier.verify({ code: extraction.code, splits }, signal);
  return { ...result, code: extraction.code, via: extraction.via };
}
