import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readAnswersJsonl, uncoveredAnswers } from "../../src/artifacts/answer-log.js";
import { attemptKey, readAttemptsJsonl } from "../../src/artifacts/attempts-jsonl.js";
import { ExitCode } from "../../src/core/errors.js";
import { loopbackEnv, smallGrid, useResponsesServer } from "../helpers/loopback-cli.js";
import { answer, PROGRAMS } from "../helpers/programs.js";
import { runCli, spawnCli, tempDir, waitFor } from "../helpers/spawn-cli.js";

const startServer = useResponsesServer();
const env = loopbackEnv;
const lines = (file: string) =>
  existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean).length : 0;
const GRID = smallGrid(3);

describe("crash safety and resume", () => {
  it("kill -9 mid-grid loses no finished attempt; the rerun re-asks nothing answered and finishes", async () => {
    const server = await startServer({
      latencyMs: 250,
      script: () => ({ kind: "completed", text: answer(PROGRAMS.constantZero) }),
    });
    const cwd = tempDir();
    const jsonl = join(cwd, "results_attempts.jsonl");
    const first = spawnCli([...GRID, "--concurrency", "2"], cwd, env(server.url));
    await waitFor(() => lines(jsonl) >= 3);
    first.child.kill("SIGKILL");
    const killed = await first.done;
    expect(killed.signal).toBe("SIGKILL");
    const kept = readAttemptsJsonl(jsonl).records;
    expect(kept.length).toBeGreaterThanOrEqual(3);
    expect(kept.length).toBeLessThan(12);
    // answers received but still being verified at the kill are not asked again either
    const unrecorded = uncoveredAnswers(
      readAnswersJsonl(join(cwd, "results_attempts.answers.jsonl")).records,
      new Set(kept.map(attemptKey)),
    ).length;
    const callsBefore = server.calls.length;

    const second = await runCli([...GRID, "--concurrency", "2"], cwd, env(server.url));
    expect(second.code).toBe(ExitCode.ok);
    expect(server.calls.length - callsBefore).toBe(12 - kept.length - unrecorded);
    const all = readAttemptsJsonl(jsonl).records;
    const keys = all.map((r) => `${r.fn}|${r.length}|${r.attempt}`);
    expect(new Set(keys).size).toBe(12);
    expect(all.slice(0, kept.length)).toEqual(kept); // earlier lines untouched
  });

  it("Ctrl-C stops cleanly, says how to resume, exits 130; the rerun completes", async () => {
    const server = await startServer({
      latencyMs: 400,
      script: () => ({ kind: "completed", text: answer(PROGRAMS.constantZero) }),
    });
    const cwd = tempDir();
    const run = spawnCli([...GRID, "--concurrency", "4"], cwd, env(server.url));
    await waitFor(() => lines(join(cwd, "results_attempts.jsonl")) >= 4);
    run.child.kill("SIGINT");
    const res = await run.done;
    expect(res.code).toBe(ExitCode.interrupted);
    expect(res.stderr).toMatch(
      /to resume, run the same command again:\n {2}npx llm-erm run --functions fn_a fn_b/,
    );
    expect(existsSync(join(cwd, "results_attempts.jsonl.lock"))).toBe(false);
    const kept = readAttemptsJsonl(join(cwd, "results_attempts.jsonl")).records.length;
    const before = server.calls.length;
    const again = await runCli([...GRID, "--concurrency", "4"], cwd, env(server.url));
    expect(again.code).toBe(ExitCode.ok);
    expect(server.calls.length - before).toBe(12 - kept);
  });

  it("--max-cost-usd stops before a call that could overspend (exit 3); a larger budget resumes", async () => {
    const server = await startServer({
      script: () => ({ kind: "completed", text: answer(PROGRAMS.constantZero) }),
    });
    const cwd = tempDir();
    const base = [
      "run",
      "--functions",
      "fn_a",
      "--lengths",
      "20",
      "--attempts",
      "3",
      "--test-size",
      "200",
      "--concurrency",
      "1",
    ];
    // gpt-5: a call may cost up to 20000 output tokens x $10/M = $0.20 + ~1.5k input tokens; each really
    // costs ~$0.0062, so after one call the next worst case ($0.0062 + $0.2019) no longer fits in $0.205
    const res = await runCli([...base, "--max-cost-usd", "0.205"], cwd, env(server.url));
    expect(res.code).toBe(ExitCode.budget);
    expect(server.calls).toHaveLength(1);
    expect(res.stderr).toMatch(/a budget stopped the run.*to resume/s);
    const more = await runCli([...base, "--max-cost-usd", "5"], cwd, env(server.url));
    expect(more.code).toBe(ExitCode.ok);
    expect(server.calls).toHaveLength(3);
    const noPrice = await runCli(
      [...base, "--model", "local-llm", "--max-cost-usd", "1"],
      cwd,
      env(server.url),
    );
    expect(noPrice.code).toBe(ExitCode.usage);
    expect(noPrice.stderr).toMatch(
      /--max-cost-usd: no price known for --model local-llm .*give one with --prices FILE/,
    );
    // an id that only starts like a priced one is not priced as it (gpt-5-codex is not gpt-5)
    const prefixed = await runCli(
      [...base, "--model", "gpt-5-codex", "--max-cost-usd", "1"],
      cwd,
      env(server.url),
    );
    expect(prefixed.code).toBe(ExitCode.usage);
    expect(prefixed.stderr).toMatch(/no price known for --model gpt-5-codex/);
    expect(server.calls).toHaveLength(3);
  });

  it("kill -9 while an answer is verified: the rerun verifies and records it without asking again", async () => {
    // The candidate sleeps 1.5 s on import (well under the sandbox's 20 s wall limit): the answer is
    // on disk, its verification still running, when the CLI is killed.
    const slow = `import time\ntime.sleep(1.5)\n${PROGRAMS.constantZero}`;
    const server = await startServer({ script: () => ({ kind: "completed", text: answer(slow) }) });
    const cwd = tempDir();
    const jsonl = join(cwd, "results_attempts.jsonl");
    const answersFile = join(cwd, "results_attempts.answers.jsonl");
    const args = ["run", "--functions", "fn_a", "--lengths", "20", "--attempts", "2", "--test-size", "200"];
    const first = spawnCli([...args, "--concurrency", "1"], cwd, env(server.url));
    await waitFor(() => lines(answersFile) >= 1);
    first.child.kill("SIGKILL");
    expect((await first.done).signal).toBe("SIGKILL");
    expect(server.calls).toHaveLength(1);
    expect(lines(jsonl)).toBe(0); // killed mid-verification: no attempt record
    const [paid, ...more] = readAnswersJsonl(answersFile).records;
    expect(more).toEqual([]);
    expect(paid).toMatchObject({ fn: "fn_a", length: 20, attempt: 1, text: answer(slow) });
    expect(paid!.usage?.total_tokens).toBe(1500);
    // `report` reads the sidecar as answers (never as attempts) and says one is waiting
    const report = await runCli(["report"], cwd);
    expect(report.code).toBe(ExitCode.ok);
    expect(report.stderr).toMatch(/1 answer\(s\) received but not verified yet \(1500 tokens/);
    expect(report.stderr).toMatch(/0 attempts from 1 file\(s\)/);

    const second = await runCli([...args, "--concurrency", "1"], cwd, env(server.url));
    expect(second.code).toBe(ExitCode.ok);
    // only attempt 2 was asked: attempt 1's answer came from the answers file
    expect(server.calls).toHaveLength(2);
    const records = readAttemptsJsonl(jsonl).records;
    expect(records.map((r) => r.attempt).sort()).toEqual([1, 2]);
    const recovered = records.find((r) => r.attempt === 1)!;
    expect(recovered).toMatchObject({
      text: paid!.text,
      usage: paid!.usage,
      cost_usd: paid!.cost_usd,
      meta: paid!.meta,
      duration_ms: paid!.duration_ms,
      outcome: "ok",
      compile_error: "",
    });
    expect(recovered.val_acc).toBeGreaterThan(0);
    expect(recovered.test_acc).toBeGreaterThan(0);
    expect(recovered.verify_ms).toBeGreaterThanOrEqual(1500); // it really ran (and slept) in the sandbox
    // every answer has its record now: the sidecar is gone; the summary counts each call's tokens once
    expect(existsSync(answersFile)).toBe(false);
    const summary = JSON.parse(readFileSync(join(cwd, "results_summary.json"), "utf8")) as {
      attempts: number;
      input_tokens: number;
    }[];
    expect(summary).toMatchObject([{ attempts: 2, input_tokens: 2000 }]);
    expect(second.stderr).toMatch(/1 new calls, 2 attempts on record, 3000 tokens/);
  });

  it("--fresh starts over", async () => {
    const server = await startServer({
      script: () => ({ kind: "completed", text: answer(PROGRAMS.constantZero) }),
    });
    const cwd = tempDir();
    const base = ["run", "--functions", "fn_a", "--lengths", "20", "--attempts", "1", "--test-size", "200"];
    const jsonl = join(cwd, "results_attempts.jsonl");
    const first = await runCli(base, cwd, env(server.url));
    expect(first.code).toBe(ExitCode.ok);
    const [old] = readAttemptsJsonl(jsonl).records;
    const second = await runCli([...base, "--fresh"], cwd, env(server.url));
    expect(second.code).toBe(ExitCode.ok);
    expect(server.calls).toHaveLength(2);
    const records = readAttemptsJsonl(jsonl).records;
    expect(records).toHaveLength(1);
    // the one record left is the second run's answer (the server's second response), not the first's
    expect(old!.meta?.response_id).toBe("resp_1");
    expect(records[0]!.meta?.response_id).toBe("resp_2");
  });
});
