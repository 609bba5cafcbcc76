import { UsageError } from "../core/errors.js";
import type { Example } from "../core/example.js";

/**
 * The prompt for a user's data: the paper's wording adapted to what the training examples show (the
 * characters seen, the length range, the label set), and `--prompt-template FILE` with placeholders.
 * The built-in tasks keep the paper's prompt byte for byte (paper-prompt.ts); a template applies to both.
 */

/** What a prompt may say about the training examples (only the training examples: nothing else is shown). */
export interface PromptFacts {
  readonly n: number;
  /** Distinct characters of the inputs, sorted by code point. */
  readonly alphabet: readonly string[];
  readonly minLength: number;
  readonly maxLength: number;
  /** Distinct labels' texts, sorted by code unit. */
  readonly labels: readonly string[];
  readonly binary: boolean;
  /** Inputs (and class labels) are written as JSON strings: some cannot be written plainly. */
  readonly quoted: boolean;
}

/** An input or label written plainly: no whitespace or control character, no quote, no ` -> `. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is excluded
const PLAIN = /^[^\s\u0000-\u001f\u007f-\u009f\u2028\u2029"'`]+$/u;
const isPlain = (s: string) => PLAIN.test(s) && !s.includes("->");

const codePoints = (s: string): number => [...s].length;

export function promptFacts(train: readonly Example[]): PromptFacts {
  const labels = [...new Set(train.map((e) => String(e.y)))].sort();
  const lengths = train.map((e) => codePoints(e.x));
  const binary = train.every((e) => e.y === 0 || e.y === 1);
  return {
    n: train.length,
    alphabet: [...new Set(train.flatMap((e) => [...e.x]))].sort(
      (a, b) => a.codePointAt(0)! - b.codePointAt(0)!,
    ),
    minLength: lengths.length ? Math.min(...lengths) : 0,
    maxLength: lengths.length ? Math.max(...lengths) : 0,
    labels,
    binary,
    quoted: !train.every((e) => isPlain(e.x) && isPlain(String(e.y))),
  };
}

/** The training lines, `<input> -> <label>\n` each (inputs and labels as JSON strings when `quoted`). */
export function exampleLines(train: readonly Example[], facts: PromptFacts): string {
  const text = (s: string) => (facts.quoted ? JSON.stringify(s) : s);
  return train.map((e) => `${text(e.x)} -> ${facts.binary ? e.y : text(String(e.y))}\n`).join("");
}

const quoteList = (items: readonly string[]) => items.map((s) => JSON.stringify(s)).join(", ");

/** The characters seen, as the prompt lists them (JSON-escaped; a count past 100). */
function alphabetText(alphabet: readonly string[]): string {
  if (alphabet.length > 100) return `${alphabet.length} distinct characters`;
  return alphabet.map((c) => JSON.stringify(c)).join(", ");
}

function lengthText(f: PromptFacts): string {
  return f.minLength === f.maxLength ? `length ${f.maxLength}` : `length ${f.minLength} to ${f.maxLength}`;
}

function labelsText(f: PromptFacts): string {
  return f.binary
    ? "scalar binary outputs ('0' or '1')"
    : `labels (one of ${quoteList(f.labels)}; \`str(f(x))\` must equal the label exactly)`;
}

/** The paper's prompt, adapted to a user's data. No trailing newline. */
export function buildUserPrompt(train: readonly Example[]): string {
  const f = promptFacts(train);
  const written = f.quoted ? "; inputs are written as JSON strings" : "";
  return (
    "**Problem Statement:**\n" +
    `Given a sequence of input strings (characters: ${alphabetText(f.alphabet)}; ${lengthText(f)}${written}) and their corresponding ${labelsText(f)}, ` +
    "find a concise Python function `f(x)` that accurately approximates the underlying relationship. " +
    "The function should not be a trainable model, but a direct logical or mathematical representation of " +
    "the target function.\n" +
    "**Data Examples:**\n" +
    "```\n" +
    exampleLines(train, f) +
    "```\n\n" +
    'You must output ONLY a single JSON object: {"code": "<python function>"}.'
  );
}

/** The placeholders a `--prompt-template` may use, with what each becomes. */
export const PLACEHOLDERS: Readonly<Record<string, string>> = {
  examples: "the training lines, `<input> -> <label>` each ending in a newline (JSON strings when needed)",
  n: "the number of training examples",
  alphabet: "the distinct characters of the training inputs, JSON-quoted, comma-separated",
  min_length: "the shortest training input's length (Python's len)",
  max_length: "the longest training input's length",
  length: "`length L` or `length A to B`",
  labels: 'the distinct labels as JSON strings, comma-separated (`"0", "1"` for binary data)',
  label_kind: "`binary` or `classes`",
};

/** `{name}` where name is an identifier; anything else (`{"code": ...}`) is literal text. */
const PLACEHOLDER = /\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** A template's unknown placeholders: none is a usable template. */
export function checkTemplate(template: string, source: string): void {
  for (const m of template.matchAll(PLACEHOLDER)) {
    const name = m[1];
    if (name !== undefined && !Object.hasOwn(PLACEHOLDERS, name)) {
      const line = template.slice(0, m.index).split("\n").length;
      throw new UsageError(
        `${source}:${line}: unknown placeholder {${name}} (known: ${Object.keys(PLACEHOLDERS)
          .map((k) => `{${k}}`)
          .join(", ")}; write {{ and }} for literal braces)`,
      );
    }
  }
}

/** The template with its placeholders filled from the training examples; `{{`/`}}` become `{`/`}`. */
export function renderTemplate(template: string, train: readonly Example[]): string {
  const f = promptFacts(train);
  const values: Record<string, string> = {
    examples: exampleLines(train, f),
    n: String(f.n),
    alphabet: alphabetText(f.alphabet),
    min_length: String(f.minLength),
    max_length: String(f.maxLength),
    length: lengthText(f),
    labels: quoteList(f.labels),
    label_kind: f.binary ? "binary" : "classes",
  };
  return template.replace(PLACEHOLDER, (all, name: string | undefined) => {
    if (all === "{{") return "{";
    if (all === "}}") return "}";
    const v = name !== undefined ? values[name] : undefined;
    if (v === undefined) throw new UsageError(`unknown placeholder {${name}}`);
    return v;
  });
}
