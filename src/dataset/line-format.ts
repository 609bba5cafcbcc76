import type { Example } from "../core/example.js";

/** One example as the runner writes it: `<input> -> <label>`. */
export function formatExample(e: Example): string {
  return `${e.x} -> ${e.y}`;
}

/** A split file's text: one example a line, each line ending in a newline. */
export function formatExampleLines(examples: readonly Example[]): string {
  return examples.map((e) => `${formatExample(e)}\n`).join("");
}

/** A line that is not `<input> -> <label>`; names the file and the 1-based line. */
export class LineFormatError extends Error {
  override readonly name = "LineFormatError";
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(`${file}:${line}: ${problem}`);
  }
}

const LINE = /^([^\s]+) -> ([01])$/;

/** Parses a split file's text; a bad line or a missing final newline throws a LineFormatError. */
export function parseExampleLines(text: string, file: string): Example[] {
  if (text === "") return [];
  const lines = text.split("\n");
  const last = lines.pop();
  if (last !== "") {
    throw new LineFormatError(
      file,
      lines.length + 1,
      "the last line does not end with a newline (truncated file?)",
    );
  }
  return lines.map((line, i) => {
    const m = LINE.exec(line);
    if (m === null) {
      const shown = line.length > 60 ? `${line.slice(0, 60)}...` : line;
      throw new LineFormatError(file, i + 1, `expected '<input> -> <0|1>', got '${shown}'`);
    }
    return { x: m[1] as string, y: m[2] === "1" ? 1 : 0 };
  });
}
