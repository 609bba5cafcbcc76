import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { type Command, Option } from "commander";
import { ExitCode, UsageError } from "../core/errors.js";
import type { Example, SplitName } from "../core/example.js";
import { LineFormatError, parseExampleLines } from "../dataset/line-format.js";
import { extractCode, prepareSource } from "../verify/extract.js";
import { sanitizeChildText } from "../verify/protocol.js";
import { createVerifier } from "../verify/sandbox-verifier.js";
import type { VerifyResult } from "../verify/types.js";
import { sandboxChoice, sandboxOption } from "./sandbox-option.js";

const SPLITS: readonly SplitName[] = ["train", "val", "test"];

/** `llm-erm verify <program.py | model-text file> --dataset <dir>`: score one candidate in the sandbox. */
export function registerVerifyCommand(program: Command): void {
  program
    .command("verify")
    .description(
      "score one candidate in the sandbox on a dataset directory (train.txt, val.txt, test.txt); " +
        "a .py file is Python source, any other file is model text (JSON with a string code)",
    )
    .argument("<candidate>", "a .py program or a file holding a model's reply")
    .requiredOption(
      "--dataset <dir>",
      "directory with train.txt / val.txt / test.txt (`<input> -> <label>` lines)",
    )
    .addOption(new Option("--python <path>", "python3 interpreter the sandbox runs (e.g. a venv's)"))
    .addOption(sandboxOption())
    .addOption(new Option("--time-limit <seconds>", "wall clock limit per split").default("20"))
    .addOption(new Option("--memory-mb <mb>", "address space limit of the child").default("2048"))
    .addOption(new Option("--json", "print the result as one JSON object"))
    .action(async (candidate: string, opts: Record<string, unknown>) => {
      process.exitCode = await verifyCommand(candidate, opts);
    });
}

export async function verifyCommand(candidate: string, opts: Record<string, unknown>): Promise<number> {
  const timeLimit = positiveNumber(opts.timeLimit ?? "20", "--time-limit");
  const memoryMb = positiveNumber(opts.memoryMb ?? "2048", "--memory-mb");
  const splits = readDataset(String(opts.dataset));
  const text = readText(candidate, "candidate");
  const extracted = candidate.endsWith(".py")
    ? ({ ok: true, code: prepareSource(text), via: "file" } as const)
    : extractCode(text);

  const out = (line: string) => process.stdout.write(`${line}\n`);
  const verifier = await createVerifier({
    ...(typeof opts.python === "string" ? { python: opts.python } : {}),
    limits: {
      wallMs: Math.round(timeLimit * 1000),
      cpuSeconds: Math.ceil(timeLimit),
      memoryBytes: memoryMb * 1024 ** 2,
    },
    concurrency: 1,
    sandbox: sandboxChoice(opts.sandbox),
  });
  try {
    let result: VerifyResult;
    if (!extracted.ok) {
      result = {
        kind: "no_code_found",
        message: extracted.reason,
        scores: Object.fromEntries(
          Object.entries(splits).map(([s, exs]) => [
            s,
            { correct: 0, total: exs.length, accuracy: 0, exceptions: 0 },
          ]),
        ),
        durationMs: 0,
      };
    } else {
      result = await verifier.verify({ code: extracted.code, splits });
    }
    if (opts.json) {
      out(
        JSON.stringify({
          ...result,
          via: extracted.ok ? extracted.via : undefined,
          protections: verifier.protections,
        }),
      );
    } else {
      out("sandbox protections:");
      for (const [k, v] of Object.entries(verifier.protections)) out(`  ${k}: ${v}`);
      if (extracted.ok)
        out(`code: from ${extracted.via === "file" ? "the .py file" : `model text (${extracted.via})`}`);
      // Anything the candidate made (messages, its function's name) is printed without control characters.
      const message = sanitizeChildText(result.message);
      out(`outcome: ${result.kind}${message ? ` (${message})` : ""}`);
      if (result.functionName) out(`function: ${sanitizeChildText(result.functionName)}`);
      for (const s of SPLITS) {
        const sc = result.scores[s];
        if (!sc) continue;
        const o = result.splitOutcomes?.[s];
        const how = o && o.kind !== "ok" ? `, ${o.kind}` : "";
        out(`${s}: ${sc.accuracy.toFixed(4)} (${sc.correct}/${sc.total}, ${sc.exceptions} raised${how})`);
      }
      out(`time: ${result.durationMs.toFixed(0)} ms`);
    }
    return result.kind === "ok" ? ExitCode.ok : ExitCode.failure;
  } finally {
    await verifier.close();
  }
}

function readDataset(dir: string): Partial<Record<SplitName, readonly Example[]>> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UsageError(`--dataset: ${dir} is not a directory`);
  }
  const splits: Partial<Record<SplitName, readonly Example[]>> = {};
  for (const s of SPLITS) {
    const file = join(dir, `${s}.txt`);
    if (!existsSync(file)) continue;
    try {
      splits[s] = parseExampleLines(readFileSync(file, "utf8"), file);
    } catch (err) {
      if (err instanceof LineFormatError) throw new UsageError(`--dataset: ${err.message}`);
      throw err;
    }
  }
  if (Object.keys(splits).length === 0) {
    throw new UsageError(`--dataset: ${dir} has none of train.txt, val.txt, test.txt`);
  }
  return splits;
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new UsageError(`${what}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? "error"})`);
  }
}

function positiveNumber(value: unknown, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`${flag}: expected a positive number, got ${String(value)}`);
  return n;
}
