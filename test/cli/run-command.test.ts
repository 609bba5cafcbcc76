import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterEach, describe, expect, it } from "vitest";
import { PAPER_CSV_COLUMNS } from "../../src/artifacts/attempt-record.js";
import { readAttemptsJsonl } from "../../src/artifacts/attempts-jsonl.js";
import { ExitCode } from "../../src/core/errors.js";
import { answer, oracleProgram, PROGRAMS } from "../helpers/programs.js";
import { type Reply, type ResponsesServer, startResponsesServer } from "../helpers/responses-server.js";
import { runCli, tempDir } from "../helpers/spawn-cli.js";

let server: ResponsesServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const env = (url: string) => ({ OPENAI_API_KEY: "fake-openai-key", OPENAI_BASE_URL: url });

describe("llm-erm run against the loopback Responses server", () => {
  it("the paper's minimal command works unchanged: early stop, artifacts, and a rerun asks nothing", async () => {
    server = await startResponsesServer({
      script: ({ index, prompt }) => ({
        kind: "completed",
        text: answer(index === 0 ? PROGRAMS.constantZero : (oracleProgram(prompt) ?? PROGRAMS.constantZero)),
        toolCalls: [{ code: "print(1)", logs: "1\n" }],
      }),
    });
    const cwd = tempDir();
    const args = [
      "run",
      "--functions",
      "fn_a",
      "--lengths",
      "50",
      "--attempts",
      "5",
      "--enable-code-interpreter",
      "--concurrency",
      "1",
      "--timeout",
      "1200",
      "--test-size",
      "200",
    ];
    const res = await runCli(args, cwd, env(server.url));
    expect(res.stderr).toContain("provider: openai");
    expect(res.code).toBe(ExitCode.ok);
    expect(server.calls).toHaveLength(2);
    expect(server.calls[0]!.body.tools).toEqual([{ type: "code_interpreter", container: { type: "auto" } }]);
    expect(server.calls[0]!.body.reasoning).toEqual({ effort: "high" });
    expect(server.calls[0]!.body.max_output_tokens).toBe(20000);
    expect(server.calls[0]!.prompt).toContain("length 50");

    const records = readAttemptsJsonl(join(cwd, "results_attempts.jsonl")).records;
    expect(records.map((r) => [r.attempt, r.val_acc, r.stopped_early])).toEqual([
      [1, 0.5, false],
      [2, 1, true],
    ]);
    expect(records[1]).toMatchObject({
      test_acc: 1,
      proposer: "openai:gpt-5",
      tool_uses: 1,
      tool_results_chars: 2,
    });
    expect(records[1]!.usage).toMatchObject({
      prompt_tokens: 1000,
      input_tokens: 1000,
      cached_tokens: 100,
      reasoning_tokens: 300,
    });

    const csv = readFileSync(join(cwd, "results_attempts.csv"), "utf8");
    expect(csv.split("\n")[0]!.split(",").slice(0, 16)).toEqual([...PAPER_CSV_COLUMNS]);
    const rows = parse(csv, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.stopped_early)).toEqual(["False", "True"]);
    const summary = parse(readFileSync(join(cwd, "results_summary.csv"), "utf8"), {
      columns: true,
    }) as Record<string, string>[];
    expect(summary).toEqual([
      expect.objectContaining({
        fn: "fn_a",
        length: "50",
        selected_attempt: "2",
        test_acc: "1",
        solved: "True",
      }),
    ]);
    expect(res.stdout).toContain("| fn_a | 50 | openai:gpt-5 | 2 | 2 |");

    const log = readFileSync(join(cwd, "runner.log"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { msg: string });
    const msgs = log.map((l) => l.msg);
    for (const m of [
      "run started",
      "dataset generated",
      "sandbox_protections",
      "attempt",
      "early stop: validation accuracy 1.0",
      "artifacts written",
    ]) {
      expect(msgs).toContain(m);
    }
    expect(readFileSync(join(cwd, "runner.log"), "utf8")).not.toContain("fake-openai-key");
    // The protections are logged once (the verifier's event), and summarised in one stderr line.
    expect(msgs.filter((m) => /sandbox.protections/.test(m))).toHaveLength(1);
    expect(res.stderr.split("\n").filter((l) => l.startsWith("llm-erm: sandbox: "))).toHaveLength(1);

    const again = await runCli(args, cwd, env(server.url));
    expect(again.code).toBe(ExitCode.ok);
    expect(server.calls).toHaveLength(2); // nothing re-asked
    expect(readFileSync(join(cwd, "runner.log"), "utf8")).toContain("dataset reused");
  });

  it("records hostile, broken, incomplete and retried answers, and the grid goes on", async () => {
    const replies: Reply[] = [
      { kind: "completed", text: answer(PROGRAMS.readLabels) },
      { kind: "completed", text: answer(PROGRAMS.syntaxError) },
      { kind: "incomplete", reason: "max_output_tokens", text: '{"code": "def f(x):' },
      { kind: "completed", text: "I could not find a rule." },
      { kind: "http_error", status: 503, retryAfterMs: "20" },
      { kind: "drop" },
      { kind: "completed", text: answer(PROGRAMS.parity) },
    ];
    server = await startResponsesServer({
      script: ({ index }) => replies[Math.min(index, replies.length - 1)]!,
    });
    const cwd = tempDir();
    const res = await runCli(
      ["run", "--functions", "fn_a", "--lengths", "20", "--attempts", "5", "--test-size", "200"],
      cwd,
      env(server.url),
    );
    expect(res.code).toBe(ExitCode.ok);
    const records = readAttemptsJsonl(join(cwd, "results_attempts.jsonl")).records;
    expect(records.map((r) => r.outcome)).toEqual([
      "ok",
      "syntax_error",
      "no_code_found",
      "no_code_found",
      "ok",
    ]);
    expect(records[0]!.val_acc).toBeLessThan(0.75); // the labels on disk are out of its reach
    expect(records[1]!.compile_error).toMatch(/^syntax_error/);
    expect(records[2]!.incomplete_reason).toBe("max_output_tokens");
    expect(records[4]).toMatchObject({ attempt: 5, val_acc: 1, stopped_early: true });
    expect(server.calls).toHaveLength(7); // 5 attempts, 2 retries of the last
    const log = readFileSync(join(cwd, "runner.log"), "utf8");
    expect(log).toContain('"event":"retry"');
  });

  it("refuses before the grid starts: unknown model, missing key, bad base URL (exit 2, nothing run)", async () => {
    server = await startResponsesServer({ script: () => ({ kind: "completed", text: "{}" }) });
    const cwd = tempDir();
    const base = ["run", "--functions", "fn_a", "--lengths", "20", "--test-size", "200"];
    const bad = await runCli([...base, "--model", "no-such-model"], cwd, env(server.url));
    expect(bad.code).toBe(ExitCode.usage);
    expect(bad.stderr).toMatch(/--model no-such-model: the server .* does not know this model/);
    expect(server.calls).toHaveLength(0);
    expect(existsSync(join(cwd, "runner.log"))).toBe(false);
    const noKey = await runCli([...base, "--provider", "openai"], cwd, { OPENAI_BASE_URL: server.url });
    expect(noKey.code).toBe(ExitCode.usage);
    expect(noKey.stderr).toMatch(/OPENAI_API_KEY is not set/);
    const badUrl = await runCli(base, cwd, { OPENAI_API_KEY: "k", OPENAI_BASE_URL: "http://127.0.0.1:1/v1" });
    expect(badUrl.code).toBe(ExitCode.usage);
    expect(badUrl.stderr).toMatch(/cannot reach the OpenAI API at http:\/\/127\.0\.0\.1:1\/v1/);
    const badFlag = await runCli([...base, "--reasoning-effort", "extreme"], cwd, env(server.url));
    expect(badFlag.code).toBe(ExitCode.usage);
    expect(badFlag.stderr).toMatch(
      /--reasoning-effort: expected one of none, minimal, low, medium, high, xhigh, max/,
    );
  });

  it("validates the grid before announcing the provider", async () => {
    const cwd = tempDir();
    const res = await runCli(["run", "--functions", "fn_zz", "--test-size", "200"], cwd, {});
    expect(res.code).toBe(ExitCode.usage);
    expect(res.stderr).toMatch(/--functions: unknown function id 'fn_zz'/);
    expect(res.stderr).not.toContain("provider:");
    expect(existsSync(join(cwd, "runner.log"))).toBe(false);
  });

  it("a run with another model never reuses the first model's attempts in the same files", async () => {
    server = await startResponsesServer({
      script: () => ({ kind: "completed", text: answer(PROGRAMS.constantZero) }),
    });
    const cwd = tempDir();
    const base = ["run", "--functions", "fn_a", "--lengths", "20", "--attempts", "1", "--test-size", "200"];
    expect((await runCli(base, cwd, env(server.url))).code).toBe(ExitCode.ok);
    expect((await runCli([...base, "--model", "gpt-5-mini"], cwd, env(server.url))).code).toBe(ExitCode.ok);
    expect((await runCli(base, cwd, env(server.url))).code).toBe(ExitCode.ok); // resumes gpt-5: nothing to ask
    expect(server.calls.map((c) => c.body.model)).toEqual(["gpt-5", "gpt-5-mini"]);
    const records = readAttemptsJsonl(join(cwd, "results_attempts.jsonl")).records;
    expect(records.map((r) => r.proposer)).toEqual(["openai:gpt-5", "openai:gpt-5-mini"]);
    expect(records[0]!.config_fingerprint).not.toBe(records[1]!.config_fingerprint);
    // the CSV of the last run holds that config's attempts only
    const rows = parse(readFileSync(join(cwd, "results_attempts.csv"), "utf8"), { columns: true }) as Record<
      string,
      string
    >[];
    expect(rows.map((r) => r.proposer)).toEqual(["openai:gpt-5"]);
  });
});
