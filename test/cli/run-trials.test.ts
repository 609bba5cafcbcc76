// --trials N: independent repetitions of each grid point's attempt loop, each with its own attempts,
// early stop and ERM selection; resumed per trial; the summary gives mean ± std.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readAttemptsJsonl } from "../../src/artifacts/attempts-jsonl.js";
import { ExitCode } from "../../src/core/errors.js";
import { loopbackEnv, useResponsesServer } from "../helpers/loopback-cli.js";
import { answer, oracleProgram, PROGRAMS } from "../helpers/programs.js";
import { runCli, tempDir } from "../helpers/spawn-cli.js";

const startServer = useResponsesServer();
const args = (trials: number) => [
  "run",
  "--functions",
  "fn_a",
  "--lengths",
  "20",
  "--attempts",
  "2",
  "--test-size",
  "200",
  "--concurrency",
  "1",
  "--trials",
  String(trials),
];

describe("llm-erm run --trials", () => {
  it("runs each trial's own attempts and selection, resumes per trial, and summarises mean ± std", async () => {
    const cwd = tempDir();
    // Even calls: a constant (val 0.5); odd calls: the right program (val 1.0, early stop).
    const server = await startServer({
      script: ({ index, prompt }) => ({
        kind: "completed",
        text: answer(index % 2 === 0 ? PROGRAMS.constantZero : (oracleProgram(prompt) ?? PROGRAMS.firstBit)),
      }),
    });
    const env = loopbackEnv(server.url);
    const first = await runCli(args(3), cwd, env);
    expect(first.code, first.stderr).toBe(ExitCode.ok);
    const records = readAttemptsJsonl(join(cwd, "results_attempts.jsonl")).records;
    // Trials interleave, so which call a trial gets varies; but each trial numbers its own attempts
    // from 1, stops at its first val 1.0, and only there.
    for (const t of [1, 2, 3]) {
      const mine = records.filter((r) => (r.trial ?? 1) === t).sort((a, b) => a.attempt - b.attempt);
      expect(mine.map((r) => r.attempt)).toEqual(mine.map((_, i) => i + 1));
      expect(mine.slice(0, -1).every((r) => r.val_acc === 0.5)).toBe(true);
      expect(mine.length === 2 || mine.at(-1)!.val_acc === 1).toBe(true);
    }
    // Each trial's selection: its best validation accuracy (the earlier attempt on ties).
    const selectedTest = [1, 2, 3].map((t) => {
      const mine = records.filter((r) => (r.trial ?? 1) === t).sort((a, b) => a.attempt - b.attempt);
      return mine.reduce((best, r) => ((r.val_acc ?? 0) > (best.val_acc ?? 0) ? r : best)).test_acc!;
    });
    const mean = selectedTest.reduce((a, b) => a + b, 0) / 3;
    expect(records.some((r) => r.trial === 1)).toBe(false); // trial 1 looks like a run without --trials
    expect(server.calls).toHaveLength(records.length);
    const summary = JSON.parse(readFileSync(join(cwd, "results_summary.json"), "utf8")) as Record<
      string,
      unknown
    >[];
    expect(summary[0]).toMatchObject({ trials: 3, trials_with_code: 3 });
    expect(summary[0]!.test_acc_mean).toBeCloseTo(mean, 12);
    expect(summary[0]!.solved_rate).toBeCloseTo(selectedTest.filter((t) => t === 1).length / 3, 12);
    expect(first.stdout).toMatch(/test mean ± std/);

    const again = await runCli(args(3), cwd, env);
    expect(again.code, again.stderr).toBe(ExitCode.ok);
    expect(server.calls).toHaveLength(records.length); // nothing asked again

    const more = await runCli(args(4), cwd, env);
    expect(more.code, more.stderr).toBe(ExitCode.ok);
    const after = readAttemptsJsonl(join(cwd, "results_attempts.jsonl")).records;
    const four = after.filter((r) => r.trial === 4);
    expect(four.length).toBeGreaterThan(0);
    expect(after).toHaveLength(records.length + four.length);
    expect(server.calls).toHaveLength(after.length); // only trial 4 was asked
  });
});
