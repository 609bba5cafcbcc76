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
  /** The uploaded input file the batch was created from (OpenAI): that upload is used up. */
  input_file_id: z.string().optional(),
});
export type JournalEntry = z.infer<typeof JournalEntrySchema>;

/**
 * An input uploaded for a batch not created yet (OpenAI's JSONL file), appended and fsync'ed before
 * `batches.create`: a run killed in between reuses the file for a wave of exactly this content (its
 * sha256) instead of uploading it again. Older readers skip the line (not a `submitted` entry).
 */
export const UploadEntrySchema = z.object({
  event: z.literal("uploaded"),
  provider: z.string(),
  file_id: z.string().min(1),
  /** sha256 (hex) of the uploaded bytes. */
  digest: z.string().min(1),
  fingerprint: z.string(),
  custom_ids: z.array(z.string()),
  ts: z.string(),
});
export type UploadEntry = z.infer<typeof UploadEntrySchema>;

/** `results_attempts.jsonl` -> `results_attempts.batches.jsonl` (any other name: `<name>.batches.jsonl`). */
export const batchesPathOf = (jsonl: string): string =>
  `${jsonl.endsWith(".jsonl") ? jsonl.slice(0, -".jsonl".length) : jsonl}.batches.jsonl`;

/** The journal's lines matching `schema`; a torn last line (a kill mid-append) or a foreign line is skipped. */
function readLines<T>(file: string, schema: z.ZodType<T>): T[] {
  if (!existsSync(file)) return [];
  const out: T[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      continue;
    }
    const parsed = schema.safeParse(raw);
    if (parsed.success) out.push(parsed.data);
  }
  return out;
}

/** The journal's submitted batches. */
export const readJournal = (file: string): JournalEntry[] => readLines(file, JournalEntrySchema);

/** The journal's uploaded inputs (a batch created from one says so in its `input_file_id`). */
export const readUploads = (file: string): UploadEntry[] => readLines(file, UploadEntrySchema);

/** Appends one entry and fsyncs it (a line written whole by one write; a torn tail is skipped on read). */
export function appendJournal(file: string, entry: JournalEntry | UploadEntry): void {
  const text = readFileSync(file, { flag: "a+", encoding: "utf8" });
  const prefix = text.length > 0 && !text.endsWith("\n") ? "\n" : "";
  const line = entry.event === "uploaded" ? UploadEntrySchema.parse(entry) : JournalEntrySchema.parse(entry);
  appendFileSync(file, `${prefix}${JSON.stringify(line)}\n`);
  const fd = openSync(file, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** --fresh: the journal goes with the attempts it served. */
export const removeJournal = (file: string): void => rmSync(file, { force: true });
