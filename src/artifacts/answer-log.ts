import { existsSync, rmSync } from "node:fs";
import { type AnswerRecord, AnswerRecordSchema } from "./answer-record.js";
import { attemptKey } from "./attempts-jsonl.js";
import { JsonlAppender, type JsonlRead, readJsonl } from "./jsonl-file.js";
import { writeFileAtomic } from "./write-file-atomic.js";

/** `results_attempts.jsonl` -> `results_attempts.answers.jsonl` (any other name: `<name>.answers.jsonl`). */
export const answersPathOf = (jsonl: string): string =>
  `${jsonl.endsWith(".jsonl") ? jsonl.slice(0, -".jsonl".length) : jsonl}.answers.jsonl`;

export const isAnswersPath = (file: string): boolean => file.endsWith(".answers.jsonl");

export function readAnswersJsonl(file: string): JsonlRead<AnswerRecord> {
  return readJsonl(file, AnswerRecordSchema, "an answer record");
}

/** Answers whose attempt has no record among `covered` (attemptKey), the latest per attempt. */
export function uncoveredAnswers(
  answers: readonly AnswerRecord[],
  covered: ReadonlySet<string>,
): AnswerRecord[] {
  const map = new Map<string, AnswerRecord>();
  for (const a of answers) {
    const key = attemptKey(a);
    if (!covered.has(key)) map.set(key, a);
  }
  return [...map.values()];
}

const toLines = (answers: readonly AnswerRecord[]): string =>
  answers.map((a) => `${JSON.stringify(a)}\n`).join("");

/**
 * The answers sidecar of an attempt JSONL: every proposer answer is appended and fsync'ed when it
 * arrives, before verification, so a kill -9 mid-verification loses no paid answer. It only holds
 * answers still waiting for their attempt record: opening drops the covered ones (rewriting the file
 * atomically, or removing it when none is left), and so does `compact` at the end of a run, so the
 * file stays small (at most the answers in flight when a run died) and is gone after a clean run.
 */
export class AnswerLog {
  /** Answers of every config in the file with no attempt record yet. */
  readonly pending: readonly AnswerRecord[];
  readonly droppedTornTail: boolean;
  private out: JsonlAppender | undefined;
  /** Attempt keys of the answers the file holds now. */
  private readonly held = new Set<string>();

  constructor(
    readonly file: string,
    opts: { fresh?: boolean; covered: ReadonlySet<string> },
  ) {
    if (opts.fresh) rmSync(file, { force: true });
    const read = readAnswersJsonl(file);
    this.pending = uncoveredAnswers(read.records, opts.covered);
    this.droppedTornTail = read.tornTail;
    for (const a of this.pending) this.held.add(attemptKey(a));
    if (this.pending.length === 0) rmSync(file, { force: true });
    else if (this.pending.length !== read.records.length || read.tornTail || read.missingNewline)
      writeFileAtomic(file, toLines(this.pending));
  }

  /** Resolves once the answer is on disk (group commit with other answers arriving meanwhile). */
  appendAsync(answer: AnswerRecord): Promise<void> {
    this.out ??= new JsonlAppender(this.file, { tornTail: false, validBytes: 0, missingNewline: false });
    this.held.add(attemptKey(answer));
    return this.out.appendAsync(answer);
  }

  async flush(): Promise<void> {
    await this.out?.flush();
  }

  close(): void {
    this.out?.close();
    this.out = undefined;
  }

  /**
   * After `close`: drops the answers whose attempt records are now on disk (`covered`); removes the
   * file when none is left (no read then), else rewrites it atomically with the rest.
   */
  compact(covered: ReadonlySet<string>): void {
    this.close();
    if (!existsSync(this.file)) return;
    if ([...this.held].every((k) => covered.has(k))) {
      rmSync(this.file, { force: true });
      return;
    }
    const read = readAnswersJsonl(this.file);
    const left = uncoveredAnswers(read.records, covered);
    if (left.length === 0) rmSync(this.file, { force: true });
    else if (left.length !== read.records.length || read.tornTail) writeFileAtomic(this.file, toLines(left));
  }
}
