import { appendFileSync, closeSync, existsSync, fsyncSync, openSync, readFileSync, rmSync } from "node:fs";
import { z } from "zod";

/**
 * The batches journal of a run (`results_attempts.batches.jsonl` beside the JSONL): one line per batch,
 * appended and fsync'ed the moment the provider returns its id, before anything waits on it. A run
 * killed mid-batch finds its batches here and polls them again instead of submitting a second time.
 */
export const JournalEntrySchema = z.object({
  event: z.literal("submitted"),
  provider: z.string(),
  batch_id: z.string().min(1),
  /** The run config's fingerprint: another config's batches are never reused. */
  fingerprint: z.string(),
  custom_ids: z.array(z.string()),
  /** When the batch was submitted (ISO): --batch-window counts from here, across resumes. */
  ts: z.string(),
});
export type JournalEntry = z.infer<typeof JournalEntrySchema>;

/** `results_attempts.jsonl` -> `results_attempts.batches.jsonl` (any other name: `<name>.batches.jsonl`). */
export const batchesPathOf = (jsonl: string): string =>
  `${jsonl.endsWith(".jsonl") ? jsonl.slice(0, -".jsonl".length) : jsonl}.batches.jsonl`;

/** The journal's entries; a torn last line (a kill mid-append) or a foreign line is skipped. */
export function readJournal(file: string): JournalEntry[] {
  if (!existsSync(file)) return [];
  const out: JournalEntry[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      continue;
    }
    const parsed = JournalEntrySchema.safeParse(raw);
    if (parsed.success) out.push(parsed.data);
  }
  return out;
}

/** Appends one entry and fsyncs it (a line written whole by one write; a torn tail is skipped on read). */
export function appendJournal(file: string, entry: JournalEntry): void {
  const text = readFileSync(file, { flag: "a+", encoding: "utf8" });
  const prefix = text.length > 0 && !text.endsWith("\n") ? "\n" : "";
  appendFileSync(file, `${prefix}${JSON.stringify(JournalEntrySchema.parse(entry))}\n`);
  const fd = openSync(file, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** --fresh: the journal goes with the attempts it served. */
export const removeJournal = (file: string): void => rmSync(file, { force: true });
