import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { readAttemptsJsonl } from "../../src/artifacts/attempts-jsonl.js";
import { ExitCode } from "../../src/core/errors.js";
import { loopbackEnv, useResponsesServer } from "../helpers/loopback-cli.js";
import { answer, PROGRAMS } from "../helpers/programs.js";
import { runCli, tempDir } from "../helpers/spawn-cli.js";
import { taskOf, taskProgram } from "../helpers/task-oracle.js";

const startServer = useResponsesServer();

// docs/runner.md ("Flags", "Artifacts"): the paper grid and the CSV's columns, in order.
const FNS = ["fn_a", "fn_b", "fn_c", "fn_d", "fn_e", "fn_f", "fn_g", "fn_h", "fn_i", "fn_j", "fn_k", "fn_l"];
const PAPER_GRID = FNS.flatMap((fn) =>
  (fn === "fn_h" ? [100, 80, 60, 40, 20] : [100, 50, 30, 25, 20]).map((l) => `${fn}|${l}`),
).sort();
const PAPER_COLUMNS = [
  "fn",
  "length",
  "attempt",
  "prompt",
  "text",
  "duration_ms",
  "cached_tokens",
  "prompt_tokens",
  "completion_tokens",
  "reasoning_tokens",
  "tool_uses",
  "tool_results_chars",
  "val_acc",
  "test_acc",
  "stopped_early",
  "compile_error",
];

describe("the paper's full command against the loopback server", () => {
  it("`run --enable-code-interpreter` runs the whole default grid of 60 points", async () => {
    // The model answers every task with its rule (attempt 1 stops early), except fn_l (SHA-256
    // parity), which it never finds: all 5 default attempts are asked there.
    const server = await startServer({
      script: ({ prompt }) => {
        const fn = taskOf(prompt);
        return {
          kind: "completed",
          text: answer(fn === undefined || fn === "fn_l" ? PROGRAMS.constantZero : taskProgram(fn)),
          toolCalls: [{ code: "print(2)", logs: "2\n" }],
        };
      },
    });
    const cwd = tempDir();
    // The command unchanged; only the data sizes come from the environment (the paper's runner's names).
    const res = await runCli(["run", "--enable-code-interpreter"], cwd, {
      ...loopbackEnv(server.url),
      TRAIN_SIZE: "10",
      VAL_SIZE: "10",
      TEST_SIZE: "20",
    });
    expect(res.stderr).toContain("provider: openai");
    expect(res.code).toBe(ExitCode.ok);

    const records = readAttemptsJsonl(join(cwd, "results_attempts.jsonl")).records;
    expect([...new Set(records.map((r) => `${r.fn}|${r.length}`))].sort()).toEqual(PAPER_GRID);
    expect(PAPER_GRID).toHaveLength(60);
    // Early stop at attempt 1 everywhere but fn_l, which used its 5 attempts.
    expect(server.calls).toHaveLength(55 + 5 * 5);
    expect(records).toHaveLength(55 + 5 * 5);
    for (const r of records) {
      if (r.fn === "fn_l") expect(r).toMatchObject({ val_acc: 0.5, stopped_early: false });
      else expect(r).toMatchObject({ attempt: 1, val_acc: 1, test_acc: 1, stopped_early: true });
    }

    // Every request is the paper's, with the code interpreter in an auto container.
    for (const c of server.calls) {
      expect(c.body).toMatchObject({
        model: "gpt-5",
        max_output_tokens: 20000,
        reasoning: { effort: "high" },
        tool_choice: "auto",
        tools: [{ type: "code_interpreter", container: { type: "auto" } }],
        text: { verbosity: "low" },
      });
      expect(c.body).not.toHaveProperty("background");
      expect(c.body.text).not.toHaveProperty("format");
    }

    const csv = readFileSync(join(cwd, "results_attempts.csv"), "utf8");
    const header = parse(csv, { to_line: 1 }) as string[][];
    expect(header[0]!.slice(0, PAPER_COLUMNS.length)).toEqual(PAPER_COLUMNS);
    const rows = parse(csv, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(records.length);
    expect(rows.filter((r) => r.tool_uses === "1" && r.tool_results_chars === "2")).toHaveLength(rows.length);
    const summary = parse(readFileSync(join(cwd, "results_summary.csv"), "utf8"), {
      columns: true,
    }) as Record<string, string>[];
    expect(summary.map((r) => `${r.fn}|${r.length}`).sort()).toEqual(PAPER_GRID);
    expect(summary.filter((r) => r.solved === "True")).toHaveLength(55);
  }, 120_000);
});
