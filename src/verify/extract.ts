import type { CodeExtraction } from "./types.js";

/**
 * Model text -> candidate source, as the paper's runner does (docs/sandbox.md, "From text to a prediction"): the whole text as JSON, failing that the span
 * from the first `{` to the last `}`; it must be an object with a string `code`. The code returned is
 * already cleaned (surrounding Markdown fences stripped, dedented); the harness picks the function.
 */
export function extractCode(text: string): CodeExtraction {
  const whole = codeFromJson(text);
  if (whole.ok) return { ok: true, code: prepareSource(whole.code), via: "json" };
  const first = text.indexOf("{");
  const last = text.lastIndexOf("}");
  if (first < 0 || last <= first) {
    return { ok: false, reason: `${whole.reason}; no {...} span in the text` };
  }
  const span = codeFromJson(text.slice(first, last + 1));
  if (span.ok) return { ok: true, code: prepareSource(span.code), via: "brace_span" };
  return { ok: false, reason: `${whole.reason}; first-{-to-last-} span: ${span.reason}` };
}

type Parsed = { ok: true; code: string } | { ok: false; reason: string };

function codeFromJson(text: string): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: "not valid JSON" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, reason: "JSON is not an object" };
  }
  const code = (value as Record<string, unknown>).code;
  if (typeof code !== "string") return { ok: false, reason: 'JSON object has no string "code"' };
  return { ok: true, code };
}

const FENCED = /^```[^\n]*\n([\s\S]*?)\n?[ \t]*```$/;

/** Strip one pair of surrounding Markdown fences (```python ... ```), then dedent. */
export function prepareSource(code: string): string {
  const fenced = FENCED.exec(code.trim());
  return dedent(fenced ? fenced[1]! : code);
}

/** Python's textwrap.dedent: remove the longest common leading whitespace of the non-blank lines. */
export function dedent(text: string): string {
  const lines = text.split("\n").map((line) => (/^[ \t]*$/.test(line) ? "" : line));
  let margin: string | undefined;
  for (const line of lines) {
    if (line === "") continue;
    const indent = /^[ \t]*/.exec(line)![0];
    if (margin === undefined) {
      margin = indent;
      continue;
    }
    let i = 0;
    while (i < margin.length && i < indent.length && margin[i] === indent[i]) i++;
    margin = margin.slice(0, i);
  }
  if (!margin) return lines.join("\n");
  const cut = margin.length;
  return lines.map((line) => (line === "" ? line : line.slice(cut))).join("\n");
}
