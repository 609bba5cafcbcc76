import type { OutcomeKind } from "./types.js";

/** What the parent sends the harness on stdin (see python/harness.py for the format). */
export interface HarnessRequest {
  readonly code: string;
  readonly inputs: readonly string[];
  /** How many of `inputs` belong to each split, in order (each split gets its own CPU allowance). */
  readonly splitSizes: readonly number[];
  readonly sysPath: readonly string[];
  readonly cpuSeconds: number;
  readonly memoryBytes: number;
  readonly openFiles: number;
  readonly fileBytes: number;
  readonly processes: number;
  /**
   * Exact scoring (a multi-class job): the classes' texts. The child answers each input with the
   * index of the class `str(f(x))` equals (a character of CLASS_CHARS), or `?` for none. Absent or
   * empty: binary, as the paper (`_to01`), and the request is byte for byte what it always was.
   */
  readonly classes?: readonly string[];
}

/** The characters that stand for class 0, 1, 2... on the result channel (no `E`, no `?`). */
export const CLASS_CHARS = "0123456789abcdefghijklmnopqrstuvwxyzABCDFGHIJKLMNOPQRSTUVWXYZ";
/** The most classes a job can score exactly. */
export const MAX_CLASSES = CLASS_CHARS.length;
/** The answer of an exact-scored input whose `str(f(x))` is none of the classes. */
export const NO_CLASS = "?";

/** The bytes a prediction may be: '0' | '1' | 'E' (binary), or a class character, '?' or 'E'. */
export function predictionPattern(classes: number): RegExp {
  return classes > 0 ? new RegExp(`^[${CLASS_CHARS.slice(0, classes)}?E]*`) : /^[01E]*/;
}

export function encodeRequest(req: HarnessRequest): Buffer {
  for (const p of req.sysPath) {
    if (p.includes("\n")) throw new Error(`sys.path entry ${JSON.stringify(p)} contains a newline`);
  }
  const total = req.splitSizes.reduce((a, b) => a + b, 0);
  if (total !== req.inputs.length)
    throw new Error(`split sizes add up to ${total}, but there are ${req.inputs.length} inputs`);
  const classes = (req.classes ?? []).map((c) => Buffer.from(c, "utf8"));
  if (classes.length > MAX_CLASSES)
    throw new Error(`${classes.length} classes: exact scoring carries at most ${MAX_CLASSES}`);
  const code = Buffer.from(req.code, "utf8");
  const header =
    `LLMERM3 code=${code.length} n=${req.inputs.length} splits=${req.splitSizes.join(",")} paths=${req.sysPath.length}` +
    ` cpu=${Math.ceil(req.cpuSeconds)} as=${req.memoryBytes} nofile=${req.openFiles}` +
    ` fsize=${req.fileBytes} nproc=${req.processes}${classes.length ? ` classes=${classes.length}` : ""}\n`;
  const paths = req.sysPath.map((p) => `${p}\n`).join("");
  // Exact scoring: the classes' texts, length-prefixed like the inputs, between the code and the inputs.
  const classPart = classes.length
    ? [Buffer.from(`${classes.map((b) => b.length).join(",")}\n`, "utf8"), ...classes]
    : [];
  // Inputs are length-prefixed (any character may appear in one: newlines, NUL, U+2028...).
  const inputs = req.inputs.map((x) => Buffer.from(x, "utf8"));
  const lengths = inputs.length ? `${inputs.map((b) => b.length).join(",")}\n` : "";
  return Buffer.concat([
    Buffer.from(header + paths, "utf8"),
    code,
    ...classPart,
    Buffer.from(lengths, "utf8"),
    ...inputs,
  ]);
}

/** The harness's report, as far as it got. */
export type HarnessReport =
  /** The candidate failed before the first prediction (syntax, no function, import...). */
  | { readonly state: "failed"; readonly kind: OutcomeKind; readonly message: string }
  /**
   * Every input got a prediction. `predictions` holds '0' | '1' | 'E' per input (binary), or a class
   * character, '?' or 'E' (exact scoring).
   */
  | {
      readonly state: "done";
      readonly functionName: string;
      readonly predictions: string;
      readonly exceptions: number;
      readonly firstException: string;
    }
  /** The harness stopped the run part way (memory, SystemExit...). */
  | {
      readonly state: "aborted";
      readonly functionName: string;
      readonly predicted: number;
      readonly kind: OutcomeKind;
      readonly message: string;
    }
  /** Output ended early (the child died or was killed); how many predictions arrived. */
  | { readonly state: "incomplete"; readonly functionName?: string; readonly predicted: number }
  /** Output the harness never writes: the candidate wrote into the result channel. */
  | { readonly state: "garbage"; readonly message: string };

/**
 * The kinds a child may report. Kinds that blame the sandbox or the protocol (`sandbox_error`,
 * `protocol_error`, `output_limit`) are the parent's to give: a candidate that writes one is garbage.
 */
const CHILD_KINDS: ReadonlySet<string> = new Set<OutcomeKind>([
  "syntax_error",
  "no_function",
  "import_error",
  "module_error",
  "memory_limit",
  "timeout",
  "crashed",
]);

/** Longest message or function name taken from the child (the harness itself writes at most 300). */
export const MAX_CHILD_TEXT = 300;

/**
 * Text that came from the candidate, made safe to print and store: control characters (terminal
 * escapes, newlines, bidi overrides) become spaces or go, and it is cut to `max` characters.
 */
export function sanitizeChildText(text: string, max = MAX_CHILD_TEXT): string {
  const clean = text
    // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, " ")
    .replace(/[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, "");
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** Parse the child's result channel. Pure; every deviation from the format is `garbage`. */
export function parseHarnessOutput(out: Buffer, expected: number, classes = 0): HarnessReport {
  const text = out.toString("latin1");
  if (text === "" || "L ".startsWith(text) || "X ".startsWith(text))
    return { state: "incomplete", predicted: 0 };
  if (text.startsWith("X ")) {
    if (!text.includes("\n")) return { state: "incomplete", predicted: 0 };
    const failed = parseFailure(text);
    return failed ?? garbage(text);
  }
  if (!text.startsWith("L ")) return garbage(text);
  const nameEnd = text.indexOf("\n");
  if (nameEnd < 0) return { state: "incomplete", predicted: 0 };
  if (nameEnd - 2 > MAX_CHILD_TEXT * 4) return garbage(text);
  const functionName = sanitizeChildText(Buffer.from(text.slice(2, nameEnd), "latin1").toString("utf8"));
  const rest = text.slice(nameEnd + 1);
  const predEnd = rest.indexOf("\n");
  const predictions = predEnd < 0 ? rest : rest.slice(0, predEnd);
  const valid = predictionPattern(classes).exec(predictions)![0].length === predictions.length;
  if (!valid || predictions.length > expected) return garbage(text);
  if (predEnd < 0) return { state: "incomplete", functionName, predicted: predictions.length };
  const tail = rest.slice(predEnd + 1);
  if (tail === "X" || (tail.startsWith("X ") && !tail.includes("\n"))) {
    return { state: "incomplete", functionName, predicted: predictions.length };
  }
  if (tail.startsWith("X ")) {
    const failed = parseFailure(tail);
    if (!failed) return garbage(text);
    return {
      state: "aborted",
      functionName,
      predicted: predictions.length,
      kind: failed.kind,
      message: failed.message,
    };
  }
  const done = /^D (\d+) ?([^\n]*)\n$/.exec(tail);
  if (!done) {
    return /^(D[^\n]*)?$/.test(tail)
      ? { state: "incomplete", functionName, predicted: predictions.length }
      : garbage(text);
  }
  const exceptions = Number(done[1]);
  const counted = predictions.split("E").length - 1;
  if (predictions.length !== expected || exceptions !== counted) return garbage(text);
  return {
    state: "done",
    functionName,
    predictions,
    exceptions,
    firstException: sanitizeChildText(Buffer.from(done[2] ?? "", "latin1").toString("utf8")),
  };
}

function parseFailure(text: string): { state: "failed"; kind: OutcomeKind; message: string } | undefined {
  const m = /^X ([a-z_]+) ?([^\n]*)\n$/.exec(text);
  if (!m || !CHILD_KINDS.has(m[1]!)) return undefined;
  return {
    state: "failed",
    kind: m[1] as OutcomeKind,
    message: sanitizeChildText(Buffer.from(m[2] ?? "", "latin1").toString("utf8")),
  };
}

function garbage(text: string): HarnessReport {
  const shown = JSON.stringify(text.slice(0, 60));
  return { state: "garbage", message: `unexpected output on the result channel: ${shown}` };
}
