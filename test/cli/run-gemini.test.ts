import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readAttemptsJsonl } from "../../src/artifacts/attempts-jsonl.js";
import { ExitCode } from "../../src/core/errors.js";
import { type GeminiServer, startGeminiServer } from "../helpers/gemini-server.js";
import { smallGrid } from "../helpers/loopback-cli.js";
import { answer, oracleProgram, PROGRAMS } from "../helpers/programs.js";
import { type ResponsesServer, startResponsesServer } from "../helpers/responses-server.js";
import { runCli, tempDir } from "../helpers/spawn-cli.js";

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** A hostile program (it hunts for the labels on disk) first for every grid point, then the oracle. */
const scripted = (prompt: string, seen: Map<string, number>): string => {
  const n = seen.get(prompt) ?? 0;
  seen.set(prompt, n + 1);
  return answer(n === 0 ? PROGRAMS.readLabels : (oracleProgram(prompt) ?? PROGRAMS.constantZero));
};

const selection = (cwd: string) =>
  readAttemptsJsonl(join(cwd, "results_attempts.jsonl"))
    .records.map((r) => [r.fn, r.length, r.attempt, r.val_acc, r.test_acc, r.stopped_early])
    .sort((a, b) => String(a).localeCompare(String(b)));

/** Every file under a directory (run outputs), recursively. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });

const KEY = "gm-loopback-key";

describe("llm-erm run --provider gemini against a loopback Gemini server", () => {
  it("runs the grid, same selections as openai, resumes asking nothing, never writes the key", async () => {
    const seen = new Map<string, number>();
    const gemini: GeminiServer = await startGeminiServer({
      apiKey: KEY,
      script: ({ prompt, index }) =>
        index === 1
          ? { kind: "http_error", status: 429, retryAfter: "0" }
          : index === 3
            ? { kind: "http_error", status: 503 }
            : { kind: "answer", text: scripted(prompt, seen), thoughts: "hmm" },
    });
    open.push(gemini);
    const respSeen = new Map<string, number>();
    const responses: ResponsesServer = await startResponsesServer({
      script: ({ prompt }) => ({ kind: "completed", text: scripted(prompt, respSeen) }),
    });
    open.push(responses);
    const cwd = tempDir();
    const viaResponses = tempDir();
    const args = [
      ...smallGrid(3),
      "--provider",
      "gemini",
      "--model",
      "gemini-2.5-pro",
      "--thinking-budget",
      "2048",
      "--base-url",
      gemini.url,
    ];
    const env = { GEMINI_API_KEY: KEY };
    const [res, openai] = await Promise.all([
      runCli(args, cwd, env),
      runCli(smallGrid(3), viaResponses, {
        OPENAI_API_KEY: "fake-openai-key",
        OPENAI_BASE_URL: responses.url,
      }),
    ]);
    expect(res.code, res.stderr).toBe(ExitCode.ok);
    expect(openai.code, openai.stderr).toBe(ExitCode.ok);
    expect(gemini.modelChecks).toEqual(["gemini-2.5-pro"]);
    expect(gemini.calls).toHaveLength(10); // 8 answers, the 429 and the 503 retried
    expect(gemini.calls.every((c) => c.streamed && c.alt === "sse" && c.apiKey === KEY)).toBe(true);
    expect(gemini.calls[0]!.body).toMatchObject({
      generationConfig: { thinkingConfig: { thinkingBudget: 2048 } },
    });
    expect(selection(cwd)).toEqual(selection(viaResponses));
    // The hostile first answers found no labels: no better than chance, never selected.
    const firsts = readAttemptsJsonl(join(cwd, "results_attempts.jsonl")).records.filter(
      (r) => r.attempt === 1,
    );
    expect(firsts.every((r) => (r.val_acc ?? 0) <= 0.75)).toBe(true);
    const records = readAttemptsJsonl(join(cwd, "results_attempts.jsonl")).records;
    expect(new Set(records.map((r) => r.proposer))).toEqual(new Set(["gemini:gemini-2.5-pro"]));
    expect(records[0]!.usage).toMatchObject({
      input_tokens: 800,
      output_tokens: 500,
      cached_tokens: 100,
      reasoning_tokens: 200,
    });
    expect(records[0]!.meta).toMatchObject({ reasoning: "hmm", finish_reason: "STOP" });
    // gemini-2.5-pro: 800 in x 1.25 + 500 out (thoughts included) x 10, per 1M
    expect(records[0]!.cost_usd).toBeCloseTo((800 * 1.25 + 500 * 10) / 1e6, 10);
    const manifest = readFileSync(join(cwd, "run_manifest.json"), "utf8");
    expect(JSON.parse(manifest).sessions[0].versions.google_genai_sdk).toMatch(/^2\./);

    const again = await runCli(args, cwd, env);
    expect(again.code, again.stderr).toBe(ExitCode.ok);
    expect(gemini.calls).toHaveLength(10); // nothing re-asked
    for (const file of filesUnder(cwd)) expect(readFileSync(file, "utf8"), file).not.toContain(KEY);
    for (const out of [res, again]) expect(out.stdout + out.stderr).not.toContain(KEY);
  });

  it("auto picks gemini for gemini-*; --max-cost-usd stops the run (exit 3); --reasoning-effort xhigh is refused", async () => {
    const gemini = await startGeminiServer({
      models: ["gemini-2.5-flash"],
      script: () => ({ kind: "answer", text: answer(PROGRAMS.constantZero) }),
    });
    open.push(gemini);
    const env = { GOOGLE_API_KEY: KEY };
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
      "--model",
      "gemini-2.5-flash",
      "--base-url",
      gemini.url,
      "--concurrency",
      "1",
    ];
    // gemini-2.5-flash: a call costs 0.0015, the worst case of one with 2000 output tokens 0.005 + input
    const res = await runCli(
      [...base, "--max-output-tokens", "2000", "--max-cost-usd", "0.008"],
      tempDir(),
      env,
    );
    expect(res.code, res.stderr).toBe(ExitCode.budget);
    expect(res.stderr).toContain("provider: gemini (chosen by --model gemini-2.5-flash");
    expect(gemini.calls.length).toBeGreaterThan(0);
    expect(gemini.calls.length).toBeLessThan(5);
    const refused = await runCli([...base, "--reasoning-effort", "xhigh"], tempDir(), env);
    expect(refused.code).toBe(ExitCode.usage);
    expect(refused.stderr).toMatch(/--reasoning-effort xhigh: not supported by --provider gemini/);
    const unknown = await runCli([...base, "--model", "gemini-9-nope"], tempDir(), env);
    expect(unknown.code).toBe(ExitCode.usage);
    expect(unknown.stderr).toMatch(/--model gemini-9-nope: .*does not know this model/);
  });
});
