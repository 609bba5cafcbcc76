import { existsSync, rmSync } from "node:fs";
import { type AttemptRecord, AttemptRecordSchema } from "./attempt-record.js";
import { JsonlAppender, type JsonlRead, readJsonl } from "./jsonl-file.js";

export type JsonlReadResult = JsonlRead<AttemptRecord>;

/**
 * Reads results_attempts.jsonl. A last line that does not parse is a torn write from a kill and is
 * dropped; a bad line elsewhere is damage and throws, naming the file and line.
 */
export function readAttemptsJsonl(file: string): JsonlReadResult {
  return readJsonl(file, AttemptRecordSchema, "an attempt record");
}

/** The identity of an attempt across appends: a later record for the same key replaces the earlier. */
export const attemptKey = (
  r: Pick<AttemptRecord, "config_fingerprint" | "fn" | "length" | "attempt" | "trial">,
): string =>
  `${r.config_fingerprint}|${r.fn}|L=${r.length}|${r.trial && r.trial > 1 ? `T=${r.trial}|` : ""}${r.attempt}`;

/** The latest record of each attempt, in first-seen order. */
export function latestByAttempt(records: readonly AttemptRecord[]): AttemptRecord[] {
  const map = new Map<string, AttemptRecord>();
  for (const r of records) map.set(attemptKey(r), r);
  return [...map.values()];
}

/**
 * Append-only attempt log: every record is written and fsync'ed before `append` returns, so a kill -9
 * loses nothing that finished. Opening truncates a torn tail so the next record starts on its own line.
 */
export class AttemptLog extends JsonlAppender<AttemptRecord> {
  readonly existing: AttemptRecord[];
  readonly droppedTornTail: boolean;

  constructor(file: string, opts: { fresh?: boolean } = {}) {
    if (opts.fresh && existsSync(file)) rmSync(file);
    const read = readAttemptsJsonl(file);
    super(file, read);
    this.existing = read.records;
    this.droppedTornTail = read.tornTail;
  }
}
