import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readAnswersJsonl, uncoveredAnswers } from "../../src/artifacts/answer-log.js";
import type { AttemptRecord } from "../../src/artifacts/attempt-record.js";
import { attemptKey, readAttemptsJsonl } from "../../src/artifacts/attempts-jsonl.js";
import { ExitCode } from "../../src/core/errors.js";
import { startChatServer } from "../helpers/chat-server.js";
import { startGeminiServer } from "../helpers/gemini-server.js";
import { smallGrid } from "../helpers/loopback-cli.js";
import { startMessagesServer } from "../helpers/messages-server.js";
import { answer, PROGRAMS } from "../helpers/programs.js";
import { runCli, spawnCli, tempDir, waitFor } from "../helpers/spawn-cli.js";

/**
 * Kill -9 mid-grid and resume, for each provider besides openai (run-resume.test.ts has it): the same
 * approach as openai's, through each provider's SDK against its loopback server, with a budget cap
 * on the resumed run. Every answer is a wrong program, so no grid point stops early: 12 attempts.
 */

const LATENCY_MS = 250;
const WRONG = answer(PROGRAMS.constantZero);

interface Loopback {
  readonly url: string;
  readonly calls: () => number;
  close(): Promise<void>;
}

interface Harness {
  readonly provider: string;
  /** The flags of the run (provider, model, its options), without the grid. */
  readonly args: (url: string) => string[];
  readonly env: Record<string, string>;
  /** "cost": --max-cost-usd with the built-in price; "tokens": --max-tokens. */
  readonly cap: "cost" | "tokens";
  start(): Promise<Loopback>;
}

const HARNESSES: Harness[] = [
  {
    provider: "openai-chat",
    args: (url) => ["--provider", "openai-chat", "--model", "qwen3:8b", "--base-url", url],
    env: {},
    cap: "tokens",
    async start() {
      const s = await startChatServer({
        models: ["qwen3:8b"],
        script: () => ({ kind: "answer", text: WRONG, delayMs: LATENCY_MS }),
      });
      return { url: s.url, calls: () => s.calls.length, close: () => s.close() };
    },
  },
  {
    provider: "anthropic",
    // The code tool and effort on: the code runs it reports are recorded with every attempt.
    args: (url) => [
      "--model",
      "claude-haiku-4-5",
      "--enable-code-interpreter",
      "--reasoning-effort",
      "medium",
      "--base-url",
      url,
    ],
    env: { ANTHROPIC_API_KEY: "fake-anthropic-key" },
    cap: "cost",
    async start() {
      const s = await startMessagesServer({
        script: () => ({
          kind: "answer",
          text: WRONG,
          codeRun: { code: "echo 1", stdout: "1\n" },
          delayMs: LATENCY_MS,
        }),
      });
      return { url: s.url, calls: () => s.calls.length, close: () => s.close() };
    },
  },
  {
    provider: "gemini",
    args: (url) => ["--model", "gemini-2.5-flash", "--thinking-budget", "-1", "--base-url", url],
    env: { GEMINI_API_KEY: "gm-loopback" },
    cap: "cost",
    async start() {
      const s = await startGeminiServer({
        script: () => ({ kind: "answer", text: WRONG, thoughts: "t", delayMs: LATENCY_MS }),
      });
      return { url: s.url, calls: () => s.calls.length, close: () => s.close() };
    },
  },
];

const open: Loopback[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

const lines = (file: string) =>
  existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean).length : 0;

/** What the run has paid for on disk: attempt records and answers waiting for theirs. */
function spentOnDisk(cwd: string): { tokens: number; usd: number; records: AttemptRecord[] } {
  const records = readAttemptsJsonl(join(cwd, "results_attempts.jsonl")).records;
  const answersFile = join(cwd, "results_attempts.answers.jsonl");
  const pending = existsSync(answersFile)
    ? uncoveredAnswers(readAnswersJsonl(answersFile).records, new Set(records.map(attemptKey)))
    : [];
  const paid = [...records, ...pending];
  return {
    tokens: paid.reduce((a, r) => a + (r.usage?.total_tokens ?? 0), 0),
    usd: paid.reduce((a, r) => a + (r.cost_usd ?? 0), 0),
    records,
  };
}

describe.each(HARNESSES)("kill -9 mid-grid and resume: --provider $provider", (h) => {
  it("loses no finished attempt, re-asks nothing answered, duplicates nothing; the budget cap holds over the sessions", async () => {
    const server = await h.start();
    open.push(server);
    const cwd = tempDir();
    const jsonl = join(cwd, "results_attempts.jsonl");
    const args = [...smallGrid(3), "--concurrency", "2", "--max-output-tokens", "600", ...h.args(server.url)];

    const first = spawnCli(args, cwd, h.env);
    await waitFor(() => lines(jsonl) >= 3, 150_000);
    first.child.kill("SIGKILL");
    const killed = await first.done;
    expect(killed.signal, killed.stderr).toBe("SIGKILL");
    const kept = readAttemptsJsonl(jsonl).records;
    expect(kept.length).toBeGreaterThanOrEqual(3);
    expect(kept.length).toBeLessThan(12);
    expect(new Set(kept.map((r) => r.proposer)).size).toBe(1);
    const unrecorded = uncoveredAnswers(
      readAnswersJsonl(join(cwd, "results_attempts.answers.jsonl")).records,
      new Set(kept.map(attemptKey)),
    ).length;
    const callsAtKill = server.calls();
    const before = spentOnDisk(cwd);
    const perCall = h.cap === "tokens" ? kept[0]!.usage!.total_tokens : kept[0]!.cost_usd!;
    expect(perCall).toBeGreaterThan(0);

    // Resume under a cap that leaves room for about three more calls: the 7+ attempts left do not fit,
    // so the run stops on the budget (exit 3), having spent no more than the cap over both sessions.
    const cap = (h.cap === "tokens" ? before.tokens : before.usd) + 3 * perCall;
    const capFlag =
      h.cap === "tokens" ? ["--max-tokens", String(Math.floor(cap))] : ["--max-cost-usd", String(cap)];
    const capped = await runCli([...args, ...capFlag], cwd, h.env);
    expect(capped.code, capped.stderr).toBe(ExitCode.budget);
    const afterCap = spentOnDisk(cwd);
    expect(h.cap === "tokens" ? afterCap.tokens : afterCap.usd).toBeLessThanOrEqual(cap);
    expect(afterCap.records.length).toBeGreaterThan(kept.length); // it did make calls under the cap
    expect(afterCap.records.length).toBeLessThan(12);

    // Resume without a cap: finishes; every attempt recorded once; only what was never answered re-asked.
    const last = await runCli(args, cwd, h.env);
    expect(last.code, last.stderr).toBe(ExitCode.ok);
    const all = readAttemptsJsonl(jsonl).records;
    expect(all).toHaveLength(12);
    expect(new Set(all.map((r) => `${r.fn}|${r.length}|${r.attempt}`)).size).toBe(12);
    expect(all.slice(0, kept.length)).toEqual(kept); // the lines written before the kill untouched
    expect(server.calls() - callsAtKill).toBe(12 - kept.length - unrecorded);
    expect(existsSync(join(cwd, "results_attempts.answers.jsonl"))).toBe(false);
    if (h.provider === "anthropic")
      for (const r of all) expect(r).toMatchObject({ tool_uses: 1, tool_results_chars: 2 });
  }, 300_000); // four CLI runs: about 20 s alone, far more on a loaded machine
});
