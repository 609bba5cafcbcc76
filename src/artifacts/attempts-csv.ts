import { stringify } from "csv-stringify/sync";
import type { AttemptRecord } from "./attempt-record.js";
import { CSV_COLUMNS, toCsvRow } from "./attempt-record.js";
import { writeFileAtomic } from "./write-file-atomic.js";

/** results_attempts.csv: the paper's columns first, in its order, then ours; one row per attempt. */
export function attemptsCsv(records: readonly AttemptRecord[]): string {
  return stringify(records.map(toCsvRow), { header: true, columns: [...CSV_COLUMNS] });
}

export function writeAttemptsCsv(file: string, records: readonly AttemptRecord[]): void {
  writeFileAtomic(file, attemptsCsv(records));
}
