import type { AttemptRecord } from "../artifacts/attempt-record.js";
import type { Splits } from "../core/example.js";
import { scoreCandidate } from "../verify/score-candidate.js";
import type { Verifier, VerifyResult } from "../verify/types.js";
import { selectErm } from "./selection.js";

/** Accuracies and outcome of one attempt, as recorded or as re-scored. */
export interface ScoreFacts {
  readonly train_acc: number | null;
  readonly val_acc: number | null;
  readonly test_acc: number | null;
  readonly outcome: string;
}

/** One attempt of a finished run, re-verified from its recorded text. */
export interface RescoreRow {
  readonly fn: string;
  readonly length: number;
  readonly attempt: number;
  readonly proposer: string;
  readonly config_fingerprint: string;
  readonly recorded: ScoreFacts;
  /** null when there is nothing to re-score (the call failed: no text was answered). */
  readonly rescored: ScoreFacts | null;
  /** Some accuracy the record has differs from the re-scored one (a null recorded test is not compared). */
  readonly changed: boolean;
}

export interface RescoreDeps {
  readonly verifier: Verifier;
  /** The grid point's dataset for this record (cached by the caller: many records share one). */
  readonly splitsFor: (record: AttemptRecord) => Promise<Splits>;
}

const recordedFacts = (r: AttemptRecord): ScoreFacts => ({
  train_acc: r.train_acc,
  val_acc: r.val_acc,
  test_acc: r.test_acc,
  outcome: r.outcome,
});

/** Same comparison as the runner makes from a VerifyResult: a split that was not scored counts 0. */
function factsOf(result: VerifyResult): ScoreFacts {
  const acc = (s: "train" | "val" | "test") => result.scores[s]?.accuracy ?? 0;
  return { train_acc: acc("train"), val_acc: acc("val"), test_acc: acc("test"), outcome: result.kind };
}

/** Any accuracy the record holds that the re-score does not reproduce exactly (both are correct/total). */
export function accuracyChanged(recorded: ScoreFacts, rescored: ScoreFacts | null): boolean {
  if (rescored === null) return false;
  const keys = ["train_acc", "val_acc", "test_acc"] as const;
  return keys.some((k) => recorded[k] !== null && recorded[k] !== rescored[k]);
}

/**
 * Re-extracts and re-verifies every record's text on train, val and test, never calling a proposer.
 * All jobs are handed to the verifier at once: it bounds the sandbox children by itself. Rows keep the
 * records' order.
 */
export async function rescoreRecords(
  records: readonly AttemptRecord[],
  deps: RescoreDeps,
): Promise<RescoreRow[]> {
  return Promise.all(
    records.map(async (r): Promise<RescoreRow> => {
      const recorded = recordedFacts(r);
      const base = {
        fn: r.fn,
        length: r.length,
        attempt: r.attempt,
        proposer: r.proposer,
        config_fingerprint: r.config_fingerprint,
        recorded,
      };
      // A failed call has no answer to re-score (its text is empty and its accuracies null).
      if (r.error !== undefined) return { ...base, rescored: null, changed: false };
      const splits = await deps.splitsFor(r);
      let result: VerifyResult;
      try {
        result = await scoreCandidate(deps.verifier, r.text, splits);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        result = { kind: "sandbox_error", message, scores: {}, durationMs: 0 };
      }
      const rescored = factsOf(result);
      return { ...base, rescored, changed: accuracyChanged(recorded, rescored) };
    }),
  );
}

/** One grid point of one run config: the ERM choice from the recorded scores and from the re-scored. */
export interface ReselectionRow {
  readonly fn: string;
  readonly length: number;
  readonly proposer: string;
  readonly config_fingerprint: string;
  readonly attempts: number;
  readonly changed_attempts: number;
  readonly recorded: {
    readonly attempt: number;
    readonly val_acc: number | null;
    readonly test_acc: number | null;
  } | null;
  readonly rescored: {
    readonly attempt: number;
    readonly val_acc: number | null;
    readonly test_acc: number | null;
  } | null;
  /** The selected attempt or its validation/test accuracy differs. */
  readonly changed: boolean;
}

/** ERM re-selection per (config, fn, L), in first-seen order. */
export function reselect(rows: readonly RescoreRow[]): ReselectionRow[] {
  const groups = new Map<string, RescoreRow[]>();
  for (const r of rows) {
    const key = `${r.config_fingerprint}|${r.fn}|L=${r.length}`;
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  const selected = [...groups.values()].map((g): ReselectionRow => {
    const first = g[0] as RescoreRow;
    const pick = (facts: (r: RescoreRow) => ScoreFacts | null) => {
      const scored = g.flatMap((r) => {
        const f = facts(r);
        return f ? [{ attempt: r.attempt, ...f }] : [];
      });
      const sel = selectErm(scored);
      return sel ? { attempt: sel.attempt, val_acc: sel.val_acc, test_acc: sel.test_acc } : null;
    };
    const recorded = pick((r) => r.recorded);
    const rescored = pick((r) => r.rescored);
    const changed =
      (recorded === null) !== (rescored === null) ||
      (recorded !== null &&
        rescored !== null &&
        (recorded.attempt !== rescored.attempt ||
          recorded.val_acc !== rescored.val_acc ||
          (recorded.test_acc !== null && recorded.test_acc !== rescored.test_acc)));
    return {
      fn: first.fn,
      length: first.length,
      proposer: first.proposer,
      config_fingerprint: first.config_fingerprint,
      attempts: g.length,
      changed_attempts: g.filter((r) => r.changed).length,
      recorded,
      rescored,
      changed,
    };
  });
  // The summary's order, not the order attempts finished in: by function, longest inputs first.
  return selected.sort(
    (a, b) =>
      a.fn.localeCompare(b.fn) ||
      b.length - a.length ||
      a.proposer.localeCompare(b.proposer) ||
      a.config_fingerprint.localeCompare(b.config_fingerprint),
  );
}

/** The re-selection as a Markdown table (stdout of `llm-erm rescore`). */
export function reselectionMarkdown(rows: readonly ReselectionRow[]): string {
  const fmt = (x: number | null | undefined) => (x === null || x === undefined ? "-" : x.toFixed(4));
  const lines = [
    "| fn | L | proposer | attempts | changed | recorded selected | val | test | rescored selected | val | test | same |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.fn} | ${r.length} | ${r.proposer} | ${r.attempts} | ${r.changed_attempts} | ${r.recorded?.attempt ?? "-"} | ${fmt(r.recorded?.val_acc)} | ${fmt(r.recorded?.test_acc)} | ${r.rescored?.attempt ?? "-"} | ${fmt(r.rescored?.val_acc)} | ${fmt(r.rescored?.test_acc)} | ${r.changed ? "no" : "yes"} |`,
    );
  }
  return lines.join("\n");
}

export const RESCORE_CSV_COLUMNS = [
  "fn",
  "length",
  "attempt",
  "proposer",
  "config_fingerprint",
  "train_acc",
  "val_acc",
  "test_acc",
  "outcome",
  "rescored_train_acc",
  "rescored_val_acc",
  "rescored_test_acc",
  "rescored_outcome",
  "changed",
] as const;

/** A row flattened to CSV cells (null -> empty; booleans as True/False, as the attempts CSV). */
export function rescoreCsvRow(r: RescoreRow): Record<(typeof RESCORE_CSV_COLUMNS)[number], string | number> {
  const cell = (v: number | null | undefined): string | number => (v === null || v === undefined ? "" : v);
  return {
    fn: r.fn,
    length: r.length,
    attempt: r.attempt,
    proposer: r.proposer,
    config_fingerprint: r.config_fingerprint,
    train_acc: cell(r.recorded.train_acc),
    val_acc: cell(r.recorded.val_acc),
    test_acc: cell(r.recorded.test_acc),
    outcome: r.recorded.outcome,
    rescored_train_acc: cell(r.rescored?.train_acc),
    rescored_val_acc: cell(r.rescored?.val_acc),
    rescored_test_acc: cell(r.rescored?.test_acc),
    rescored_outcome: r.rescored?.outcome ?? "",
    changed: r.changed ? "True" : "False",
  };
}
