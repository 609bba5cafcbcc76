import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readAttemptsJsonl } from "../../src/artifacts/attempts-jsonl.js";
import { ExitCode } from "../../src/core/errors.js";
import { smallGrid } from "../helpers/loopback-cli.js";
import { type MessagesServer, startMessagesServer } from "../helpers/messages-server.js";
import { answer, oracleProgram, PROGRAMS } from "../helpers/programs.js";
import { type ResponsesServer, startResponsesServer } from "../helpers/responses-server.js";
import { runCli, tempDir } from "../helpers/spawn-cli.js";

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** A wrong program first for every grid point, then the oracle. */
const scripted = (prompt: string, seen: Map<string, number>): string => {
  const n = seen.get(prompt) ?? 0;
  seen.set(prompt, n + 1);
  return answer(n === 0 ? PROGRAMS.constantZero : (oracleProgram(prompt) ?? PROGRAMS.constantZero));
};

const selection = (cwd: string) =>
  readAttemptsJsonl(join(cwd, "results_attempts.jsonl"))
    .records.map((r) => [r.fn, r.length, r.attempt, r.val_acc, r.test_acc, r.stopped_early])
    .sort((a, b) => String(a).localeCompare(String(b)));

describe("llm-erm run --provider anthropic against a loopback Messages server", () => {
  it("runs the grid (auto from claude-*), same selections as openai, resumes asking nothing, never writes the key", async () => {
    const seen = new Map<string, number>();
    const messages: MessagesServer = await startMessagesServer({
      apiKey: "fake-anthropic-key",
      script: ({ prompt, index }) =>
        index === 1
          ? { kind: "http_error", status: 529 }
          : { kind: "answer", text: scripted(prompt, seen), thinking: "hmm" },
    });
    open.push(messages);
    const respSeen = new Map<string, number>();
    const responses: ResponsesServer = await startResponsesServer({
      script: ({ prompt }) => ({ kind: "completed", text: scripted(prompt, respSeen) }),
    });
    open.push(responses);
    const cwd = tempDir();
    const viaResponses = tempDir();
    const args = [
      ...smallGrid(3),
      "--model",
      "claude-sonnet-4-5",
      "--thinking-budget",
      "2048",
      "--base-url",
      messages.url,
    ];
    const env = { ANTHROPIC_API_KEY: "fake-anthropic-key" };
    const [res, openai] = await Promise.all([
      runCli(args, cwd, env),
      runCli(smallGrid(3), viaResponses, {
        OPENAI_API_KEY: "fake-openai-key",
        OPENAI_BASE_URL: responses.url,
      }),
    ]);
    expect(res.code, res.stderr).toBe(ExitCode.ok);
    expect(openai.code, openai.stderr).toBe(ExitCode.ok);
    expect(res.stderr).toContain("provider: anthropic (chosen by --model claude-sonnet-4-5");
    expect(messages.modelChecks).toEqual(["claude-sonnet-4-5"]);
    expect(messages.calls).toHaveLength(9); // 8 answers and the 529, retried
    expect(messages.calls[0]!.body).toMatchObject({
      stream: true,
      thinking: { type: "enabled", budget_tokens: 2048 },
    });
    expect(selection(cwd)).toEqual(selection(viaResponses));
    const records = readAttemptsJsonl(join(cwd, "results_attempts.jsonl")).records;
    expect(new Set(records.map((r) => r.proposer))).toEqual(new Set(["anthropic:claude-sonnet-4-5"]));
    expect(records[0]!.usage).toMatchObject({
      input_tokens: 1000,
      cached_tokens: 100,
      cache_write_tokens: 200,
    });
    expect(records[0]!.meta).toMatchObject({ reasoning: "hmm", stop_reason: "end_turn" });
    expect(records[0]!.cost_usd).toBeCloseTo((700 * 3 + 100 * 0.3 + 200 * 3.75 + 500 * 15) / 1e6, 10);
    const manifest = readFileSync(join(cwd, "run_manifest.json"), "utf8");
    expect(JSON.parse(manifest).sessions[0].versions.anthropic_sdk).toMatch(/^\d+\./);
    for (const file of ["run_manifest.json", "runner.log", "results_attempts.jsonl"])
      expect(readFileSync(join(cwd, file), "utf8")).not.toContain("fake-anthropic-key");

    const again = await runCli(args, cwd, env);
    expect(again.code, again.stderr).toBe(ExitCode.ok);
    expect(messages.calls).toHaveLength(9); // nothing re-asked
  });

  it("--max-cost-usd with the built-in price stops the run (exit 3); an effort Anthropic lacks and a budget below its minimum are refused", async () => {
    const messages = await startMessagesServer({
      script: () => ({ kind: "answer", text: answer(PROGRAMS.constantZero) }),
    });
    open.push(messages);
    const env = { ANTHROPIC_API_KEY: "fake-anthropic-key" };
    const base = [
      "run",
      "--functions",
      "fn_a",
      "--lengths",
      "20",
      "--attempts",
      "5",
      "--test-size",
      "200",
      "--provider",
      "anthropic",
      "--model",
      "claude-haiku-4-5-20251001",
      "--base-url",
      messages.url,
      "--concurrency",
      "1",
    ];
    // claude-haiku-4-5: worst case of one call with 1000 output tokens is about 0.005 + input
    const res = await runCli(
      [...base, "--max-output-tokens", "1000", "--max-cost-usd", "0.012"],
      tempDir(),
      env,
    );
    expect(res.code, res.stderr).toBe(ExitCode.budget);
    expect(messages.calls.length).toBeGreaterThan(0);
    expect(messages.calls.length).toBeLessThan(5);
    const refused = await runCli([...base, "--reasoning-effort", "minimal"], tempDir(), env);
    expect(refused.code).toBe(ExitCode.usage);
    expect(refused.stderr).toMatch(
      /--reasoning-effort: Anthropic's effort takes low, medium, high, xhigh, max \(--provider anthropic\)/,
    );
    const tooSmall = await runCli([...base, "--thinking-budget", "0"], tempDir(), env);
    expect(tooSmall.code).toBe(ExitCode.usage);
    expect(tooSmall.stderr).toMatch(
      /--thinking-budget: Anthropic's budget_tokens is at least 1024 and below --max-output-tokens .*\(--provider anthropic\)/,
    );
    expect(messages.calls.length).toBeLessThan(5); // nothing asked by the refused runs
  });
});
