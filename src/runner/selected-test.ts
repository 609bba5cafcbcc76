/**
 * The --test-selected-only pass: once a grid point has its attempts, the ERM-selected program alone is
 * scored on test, and that score is appended as a newer record of the selected attempt.
 */
import { ATTEMPT_RECORD_SCHEMA_VERSION, type AttemptRecord } from "../artifacts/attempt-record.js";
import type { Example } from "../core/example.js";
import type { CodeExtraction, Verifier, VerifyResult } from "../verify/types.js";
import type { RunLogger } from "./grid-types.js";
import { selectErm } from "./selection.js";

export interface SelectedTestDeps {
  readonly test: readonly Example[];
  readonly verifier: Verifier;
  readonly extractCode: (text: string) => CodeExtraction;
  readonly append: (record: AttemptRecord) => void | Promise<void>;
  readonly logger: RunLogger;
}

/** With --test-selected-only: the point has a selected attempt whose test accuracy is not known yet. */
export function needsSelectedTest(records: readonly AttemptRecord[], testSelectedOnly: boolean): boolean {
  const sel = selectErm(records);
  return testSelectedOnly && sel !== undefined && sel.test_acc === null;
}

/**
 * Scores test for the selected program and replaces its record in `records` by the newer one (also
 * appended). A program without code scores 0. A verifier that throws records nothing: the test
 * accuracy stays unknown (not 0), a rerun scores it, and the grid point fails with the message.
 */
export async function scoreSelectedTest(
  records: AttemptRecord[],
  deps: SelectedTestDeps,
  log: Record<string, unknown>,
): Promise<void> {
  const sel = selectErm(records);
  if (!sel || sel.test_acc !== null) return;
  const extraction = deps.extractCode(sel.text);
  let testAcc = 0;
  if (extraction.ok) {
    let result: VerifyResult;
    try {
      result = await deps.verifier.verify({ code: extraction.code, splits: { test: deps.test } });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(
        `scoring the test split of the selected attempt ${sel.attempt} failed: ${message} (run again to retry)`,
      );
    }
    testAcc = result.scores.test?.accuracy ?? 0;
  }
  const updated: AttemptRecord = {
    ...sel,
    schema_version: ATTEMPT_RECORD_SCHEMA_VERSION,
    test_acc: testAcc,
    test_scored_later: true,
    ts: new Date().toISOString(),
  };
  records[records.indexOf(sel)] = updated;
  await deps.append(updated);
  deps.logger.info(
    { ...log, attempt: sel.attempt, test_acc: testAcc },
    "test scored for the selected program",
  );
}
