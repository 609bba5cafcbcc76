import type { SplitName } from "../core/example.js";
import type { Scoring, SplitScore, VerifyJob } from "./types.js";

/** The order splits are run and scored in. */
export const SPLIT_ORDER: readonly SplitName[] = ["train", "val", "test"];

/** Zero scores for every split the job asks for (the result of any outcome but ok). */
export function zeroScores(splits: VerifyJob["splits"]): Partial<Record<SplitName, SplitScore>> {
  const scores: Partial<Record<SplitName, SplitScore>> = {};
  for (const s of SPLIT_ORDER) {
    const exs = splits[s];
    if (exs) scores[s] = { correct: 0, total: exs.length, accuracy: 0, exceptions: 0 };
  }
  return scores;
}

/**
 * The scoring a job asked for, or the one its labels imply: exact over the distinct labels (sorted by
 * code unit) when any label is a string, else binary.
 */
export function scoringOf(job: VerifyJob): Scoring {
  if (job.scoring) return job.scoring;
  const all = SPLIT_ORDER.flatMap((s) => job.splits[s] ?? []);
  if (all.every((e) => e.y === 0 || e.y === 1)) return { kind: "binary" };
  const classes = [...new Set(all.map((e) => String(e.y)))].sort();
  return { kind: "exact", classes };
}
