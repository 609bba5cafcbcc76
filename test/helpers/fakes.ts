import type { Example, Splits } from "../../src/core/example.js";
import type { RunLogger } from "../../src/runner/grid-runner.js";
import type { Task } from "../../src/tasks/task.js";
import type { CodeExtraction, Verifier, VerifyJob, VerifyResult } from "../../src/verify/types.js";

/** A bit-string task whose label is the parity of all bits (fn_a), without the real registry. */
export const fakeParityTask: Task = {
  id: "fn_a",
  name: "parity_all",
  decimal: false,
  paperLengths: [100, 50, 30, 25, 20],
  checkLength: () => null,
  label: (x) => ([...x].filter((c) => c === "1").length % 2) as 0 | 1,
  sample: async () => ({ positives: [], negatives: [] }),
};

/** Deterministic labelled splits (all 2^k-style strings of a counter): enough for fakes. */
export function fakeSplits(length: number, sizes = { train: 10, val: 10, test: 20 }): Splits {
  let i = 0;
  const make = (n: number): Example[] =>
    Array.from({ length: n }, () => {
      const x = (i++).toString(2).padStart(length, "0").slice(-length);
      return { x, y: fakeParityTask.label(x) };
    });
  return { train: make(sizes.train), val: make(sizes.val), test: make(sizes.test) };
}

/** Extraction like the paper's (whole text as JSON with a string `code`), enough for fakes. */
export function fakeExtract(text: string): CodeExtraction {
  try {
    const v = JSON.parse(text) as { code?: unknown };
    if (typeof v.code === "string") return { ok: true, code: v.code, via: "json" };
  } catch {
    // fall through
  }
  return { ok: false, reason: "no JSON object with a string 'code'" };
}

/**
 * A verifier that "runs" a few known programs in JS: code containing `MARK:<name>` is looked up in
 * `programs`, which maps a name to a predictor. Anything else is a syntax error.
 */
export function fakeVerifier(
  programs: Record<string, (x: string) => number>,
): Verifier & { jobs: VerifyJob[] } {
  const jobs: VerifyJob[] = [];
  return {
    jobs,
    protections: { fake: true },
    async verify(job: VerifyJob): Promise<VerifyResult> {
      jobs.push(job);
      const name = /MARK:(\w+)/.exec(job.code)?.[1];
      const predict = name ? programs[name] : undefined;
      if (!predict) return { kind: "syntax_error", message: "invalid syntax", scores: {}, durationMs: 1 };
      const scores: VerifyResult["scores"] = {};
      for (const [split, examples] of Object.entries(job.splits) as [keyof Splits, readonly Example[]][]) {
        const correct = examples.filter((e) => predict(e.x) === e.y).length;
        scores[split] = {
          correct,
          total: examples.length,
          accuracy: examples.length ? correct / examples.length : 0,
          exceptions: 0,
        };
      }
      return { kind: "ok", message: "", scores, functionName: "f", durationMs: 1 };
    },
    async close() {},
  };
}

export interface CapturedLog {
  level: "info" | "warn" | "error";
  msg: string | undefined;
  obj: Record<string, unknown>;
}

export function captureLogger(): RunLogger & { lines: CapturedLog[] } {
  const lines: CapturedLog[] = [];
  return {
    lines,
    info: (obj, msg) => lines.push({ level: "info", msg, obj }),
    warn: (obj, msg) => lines.push({ level: "warn", msg, obj }),
    error: (obj, msg) => lines.push({ level: "error", msg, obj }),
  };
}
