import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readAttemptsJsonl } from "../../src/artifacts/attempts-jsonl.js";
import { ExitCode } from "../../src/core/errors.js";
import { startChatServer } from "../helpers/chat-server.js";
import { startGeminiServer } from "../helpers/gemini-server.js";
import { smallGrid } from "../helpers/loopback-cli.js";
import { startMessagesServer } from "../helpers/messages-server.js";
import { answer, oracleProgram, PROGRAMS } from "../helpers/programs.js";
import { startResponsesServer } from "../helpers/responses-server.js";
import { runCli, tempDir } from "../helpers/spawn-cli.js";

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/**
 * The same answers, in the same order for every grid point, whichever provider serves them: nothing
 * at all, prose without code, a hostile program hunting for the labels on disk, a wrong program, then
 * the oracle (the grid point stops early there).
 */
const SCRIPT = (prompt: string): string[] => [
  "",
  "I would rather not write code for this.",
  answer(PROGRAMS.readLabels),
  answer(PROGRAMS.constantZero),
  answer(oracleProgram(prompt) ?? PROGRAMS.constantZero),
];

/** The scripted text of a prompt's next call (one counter per server). */
const scripted = () => {
  const seen = new Map<string, number>();
  return (prompt: string): string => {
    const n = seen.get(prompt) ?? 0;
    seen.set(prompt, n + 1);
    const script = SCRIPT(prompt);
    return script[Math.min(n, script.length - 1)]!;
  };
};

/** What a run selected and how each attempt came out, without what differs by provider (ids, usage, cost). */
const outcome = (cwd: string) => {
  const attempts = readAttemptsJsonl(join(cwd, "results_attempts.jsonl"))
    .records.map((r) => [r.fn, r.length, r.attempt, r.outcome, r.val_acc, r.test_acc, r.stopped_early])
    .sort((a, b) => String(a).localeCompare(String(b)));
  const summary = (
    JSON.parse(readFileSync(join(cwd, "results_summary.json"), "utf8")) as Record<string, unknown>[]
  ).map((p) => [p.fn, p.length, p.attempts, p.selected_attempt, p.val_acc, p.test_acc, p.solved]);
  return { attempts, summary };
};

describe("the same grid through each provider", () => {
  it("gives the same attempts and selections for the same scripted answers (openai, openai-chat, anthropic, gemini)", async () => {
    const [resp, chat, messages, gemini] = [scripted(), scripted(), scripted(), scripted()];
    const responsesServer = await startResponsesServer({
      script: ({ prompt }) => ({ kind: "completed", text: resp(prompt) }),
    });
    const chatServer = await startChatServer({
      script: ({ prompt }) => ({ kind: "answer", text: chat(prompt) }),
    });
    const messagesServer = await startMessagesServer({
      script: ({ prompt }) => ({ kind: "answer", text: messages(prompt) }),
    });
    const geminiServer = await startGeminiServer({
      script: ({ prompt }) => ({ kind: "answer", text: gemini(prompt) }),
    });
    open.push(responsesServer, chatServer, messagesServer, geminiServer);
    const grid = smallGrid(5);
    const runs = [
      {
        provider: "openai",
        args: [...grid, "--provider", "openai", "--base-url", responsesServer.url],
        env: { OPENAI_API_KEY: "fake-openai-key" },
      },
      {
        provider: "openai-chat",
        args: [
          ...grid,
          "--provider",
          "openai-chat",
          "--model",
          "loopback-model",
          "--base-url",
          chatServer.url,
        ],
        env: {},
      },
      {
        provider: "anthropic",
        args: [
          ...grid,
          "--provider",
          "anthropic",
          "--model",
          "claude-sonnet-4-5",
          "--base-url",
          messagesServer.url,
        ],
        env: { ANTHROPIC_API_KEY: "fake-anthropic-key" },
      },
      {
        provider: "gemini",
        args: [...grid, "--provider", "gemini", "--model", "gemini-2.5-pro", "--base-url", geminiServer.url],
        env: { GEMINI_API_KEY: "gm-loopback" },
      },
    ].map((r) => ({ ...r, cwd: tempDir() }));
    const results = await Promise.all(runs.map((r) => runCli(r.args, r.cwd, r.env)));
    for (const [i, res] of results.entries())
      expect(res.code, `${runs[i]!.provider}: ${res.stderr}`).toBe(ExitCode.ok);

    const [reference, ...others] = runs.map((r) => outcome(r.cwd));
    // The script really ran: 5 attempts per grid point, each way of failing recorded, the oracle selected.
    expect(reference!.attempts).toHaveLength(20);
    // The script really ran: per grid point nothing, prose (no code either), the hostile and the wrong
    // program (chance at best, never selected), the oracle (selected, the point stopped early there).
    expect(reference!.attempts).toHaveLength(20);
    for (const a of reference!.attempts) {
      const n = a[2] as number;
      expect(a[3], String(a)).toBe(n <= 2 ? "no_code_found" : "ok");
      if (n >= 3 && n <= 4) expect(a[4] as number, String(a)).toBeLessThan(1);
      if (n === 5) expect(a.slice(4), String(a)).toEqual([1, 1, true]);
    }
    for (const p of reference!.summary) expect(p).toEqual([p[0], p[1], 5, 5, 1, expect.any(Number), true]);
    for (const [i, other] of others.entries()) expect(other, runs[i + 1]!.provider).toEqual(reference);
  }, 240_000); // four CLI runs at once: about 45 s alone, more on a loaded machine
});
