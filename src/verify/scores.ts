import type { SplitName } from "../core/example.js";
import type { SplitScore, VerifyJob } from "./types.js";

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
