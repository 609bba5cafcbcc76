/**
 * Where a run resumes from: the records already on disk and the answers received but never recorded,
 * by grid point, and what they count for (attempts, tokens, cost) in the progress totals.
 */
import type { AnswerRecord } from "../artifacts/answer-record.js";
import type { AttemptRecord } from "../artifacts/attempt-record.js";
import { type GridPoint, gridPointKey } from "../core/grid.js";
import type { Usage } from "../proposer/proposer.js";
import { addUsage, ZERO_USAGE } from "../proposer/usage.js";

export interface ResumeState {
  /** Records of each grid point (by `gridPointKey`), prior ones first; the runner appends new ones. */
  readonly records: Map<string, AttemptRecord[]>;
  /** Answers without a record, by grid point and attempt. */
  readonly answers: Map<string, Map<number, AnswerRecord>>;
  /** Spent by the prior records and pending answers of the run's points. */
  readonly usage: Usage;
  readonly costUsd: number;
  /** Prior records of the run's points. */
  readonly attempts: number;
}

export function resumeState(
  points: readonly GridPoint[],
  prior: readonly AttemptRecord[],
  pendingAnswers: readonly AnswerRecord[],
  fingerprint: string,
): ResumeState {
  const wanted = new Set(points.map(gridPointKey));
  const records = new Map<string, AttemptRecord[]>();
  let usage = ZERO_USAGE;
  let costUsd = 0;
  for (const r of prior) {
    const key = gridPointKey(r);
    const list = records.get(key) ?? [];
    records.set(key, list);
    list.push(r);
    if (!wanted.has(key)) continue;
    usage = addUsage(usage, r.usage);
    costUsd += r.cost_usd ?? 0;
  }
  const answers = new Map<string, Map<number, AnswerRecord>>();
  for (const a of pendingAnswers) {
    const key = gridPointKey(a);
    if (!wanted.has(key) || a.config_fingerprint !== fingerprint) continue;
    const byAttempt = answers.get(key) ?? new Map<number, AnswerRecord>();
    answers.set(key, byAttempt);
    byAttempt.set(a.attempt, a);
    if (a.usage) usage = addUsage(usage, a.usage);
    costUsd += a.cost_usd ?? 0;
  }
  const attempts = points.reduce((n, p) => n + (records.get(gridPointKey(p))?.length ?? 0), 0);
  return { records, answers, usage, costUsd, attempts };
}
