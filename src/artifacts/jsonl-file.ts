import {
  closeSync,
  existsSync,
  fsync,
  fsyncSync,
  openSync,
  readFileSync,
  truncateSync,
  write,
  writeSync,
} from "node:fs";
import { promisify } from "node:util";
import type { z } from "zod";
import { DamagedArtifactError } from "./damaged-artifact-error.js";

const writeAsync = promisify(write);
const fsyncAsync = promisify(fsync);

export interface JsonlRead<T> {
  readonly records: T[];
  /** Bytes of whole, valid lines: a torn last line (a kill mid-write) starts here. */
  readonly validBytes: number;
  /** A torn last line was found (and is not in `records`). */
  readonly tornTail: boolean;
  /** The last record is whole but its newline is missing. */
  readonly missingNewline: boolean;
}

/**
 * Reads a JSONL file of `schema` records. A last line that does not parse is a torn write from a kill
 * and is dropped; a bad line elsewhere is damage and throws, naming the file and line. `what` names a
 * record in that message ("an attempt record").
 */
export function readJsonl<S extends z.ZodType>(
  file: string,
  schema: S,
  what: string,
): JsonlRead<z.output<S>> {
  const records: z.output<S>[] = [];
  if (!existsSync(file)) return { records, validBytes: 0, tornTail: false, missingNewline: false };
  const buf = readFileSync(file);
  let offset = 0;
  let lineNo = 0;
  while (offset < buf.length) {
    const nl = buf.indexOf(0x0a, offset);
    const end = nl === -1 ? buf.length : nl;
    const line = buf.subarray(offset, end).toString("utf8");
    lineNo++;
    if (line.trim() !== "") {
      let problem: string | undefined;
      try {
        const r = schema.safeParse(JSON.parse(line));
        if (r.success) records.push(r.data);
        else problem = `not ${what} (${r.error.issues[0]?.path.join(".")}: ${r.error.issues[0]?.message})`;
      } catch (err) {
        problem = `not valid JSON (${(err as Error).message})`;
      }
      if (problem !== undefined) {
        const isLast = buf.subarray(end).toString("utf8").trim() === "";
        if (!isLast) throw new DamagedArtifactError(`${file}:${lineNo}: ${problem}`);
        return { records, validBytes: offset, tornTail: true, missingNewline: false };
      }
    }
    if (nl === -1)
      return { records, validBytes: buf.length, tornTail: false, missingNewline: line.trim() !== "" };
    offset = nl + 1;
  }
  return { records, validBytes: buf.length, tornTail: false, missingNewline: false };
}

/**
 * Append-only JSONL writer: every line is written and fsync'ed before `append` returns (or
 * `appendAsync` resolves), so a kill -9 loses nothing appended. Opening after `read` truncates a torn
 * tail so the next line starts on its own line.
 */
export class JsonlAppender<T = unknown> {
  private fd: number | null;

  constructor(
    readonly file: string,
    read: Pick<JsonlRead<unknown>, "tornTail" | "validBytes" | "missingNewline">,
  ) {
    if (read.tornTail) truncateSync(file, read.validBytes);
    this.fd = openSync(file, "a");
    if (read.missingNewline) writeSync(this.fd, "\n");
  }

  append(record: T): void {
    if (this.fd === null) throw new Error(`${this.file}: closed`);
    const line = Buffer.from(`${JSON.stringify(record)}\n`, "utf8");
    let written = 0;
    while (written < line.length) written += writeSync(this.fd, line, written);
    fsyncSync(this.fd);
  }

  private pending: { line: Buffer; resolve: () => void; reject: (err: unknown) => void }[] = [];
  private flushing: Promise<void> | null = null;

  /**
   * As `append`, off the event loop, with group commit: lines that arrive while a write is on disk go
   * out together with one fsync (~4 ms each here; 60 grid points finishing at once would otherwise
   * queue 60 fsyncs). Resolves once this line is on disk.
   */
  appendAsync(record: T): Promise<void> {
    const line = Buffer.from(`${JSON.stringify(record)}\n`, "utf8");
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ line, resolve, reject });
      this.flushing ??= this.drain();
    });
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const group = this.pending;
      this.pending = [];
      try {
        if (this.fd === null) throw new Error(`${this.file}: closed`);
        const buf = Buffer.concat(group.map((g) => g.line));
        let written = 0;
        while (written < buf.length)
          written += (await writeAsync(this.fd, buf, written, buf.length - written)).bytesWritten;
        await fsyncAsync(this.fd);
        for (const g of group) g.resolve();
      } catch (err) {
        for (const g of group) g.reject(err);
      }
    }
    this.flushing = null;
  }

  /** Waits for pending appendAsync calls. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
