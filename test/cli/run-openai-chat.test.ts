import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readAttemptsJsonl } from "../../src/artifacts/attempts-jsonl.js";
import { ExitCode } from "../../src/core/errors.js";
import { type ChatReply, type ChatServer, startChatServer } from "../helpers/chat-server.js";
import { smallGrid } from "../helpers/loopback-cli.js";
import { answer, oracleProgram, PROGRAMS } from "../helpers/programs.js";
import { type Reply, type ResponsesServer, startResponsesServer } from "../helpers/responses-server.js";
import { runCli, tempDir } from "../helpers/spawn-cli.js";

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});
const chatServer = async (opts: Parameters<typeof startChatServer>[0]): Promise<ChatServer> => {
  const s = await startChatServer(opts);
  open.push(s);
  return s;
};
const responsesServer = async (
  opts: Parameters<typeof startResponsesServer>[0],
): Promise<ResponsesServer> => {
  const s = await startResponsesServer(opts);
  open.push(s);
  return s;
};

/** The program each call gets: a wrong one first for every grid point, then the oracle. */
const scripted = (prompt: string, seen: Map<string, number>): string => {
  const n = seen.get(prompt) ?? 0;
  seen.set(prompt, n + 1);
  return answer(n === 0 ? PROGRAMS.constantZero : (oracleProgram(prompt) ?? PROGRAMS.constantZero));
};

const selection = (cwd: string) =>
  readAttemptsJsonl(join(cwd, "results_attempts.jsonl"))
    .records.map((r) => [r.fn, r.length, r.attempt, r.val_acc, r.test_acc, r.stopped_early])
    .sort((a, b) => String(a).localeCompare(String(b)));

describe("llm-erm run --provider openai-chat against a loopback Chat Completions server", () => {
  it("runs the grid with --base-url and no key, records reasoning, resumes asking nothing", async () => {
    const seen = new Map<string, number>();
    const server = await chatServer({
      models: ["qwen3:8b"],
      script: ({ prompt }) => ({
        kind: "answer",
        text: scripted(prompt, seen),
        reasoning: "compare the labels",
        reasoningField: "reasoning",
      }),
    });
    const cwd = tempDir();
    const args = [
      ...smallGrid(3),
      "--provider",
      "openai-chat",
      "--model",
      "qwen3:8b",
      "--base-url",
      server.url,
    ];
    const res = await runCli([...args, "--reasoning-effort", "medium"], cwd, {});
    expect(res.code, res.stderr).toBe(ExitCode.ok);
    expect(server.calls).toHaveLength(8); // 4 grid points, solved at attempt 2
    expect(server.calls[0]!.authorization).toBe("Bearer no-key");
    expect(server.calls[0]!.body).toMatchObject({
      model: "qwen3:8b",
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 20000,
      reasoning_effort: "medium",
    });
    expect(server.modelLists).toBe(1);
    const records = readAttemptsJsonl(join(cwd, "results_attempts.jsonl")).records;
    expect(records).toHaveLength(8);
    expect(new Set(records.map((r) => r.proposer))).toEqual(new Set(["openai-chat:qwen3:8b"]));
    expect(records.filter((r) => r.stopped_early)).toHaveLength(4);
    expect(records[0]!.meta).toMatchObject({ reasoning: "compare the labels", finish_reason: "stop" });
    expect(records[0]!.usage).toMatchObject({
      input_tokens: 1000,
      output_tokens: 500,
      reasoning_tokens: 300,
    });
    const manifest = JSON.parse(readFileSync(join(cwd, "run_manifest.json"), "utf8")) as {
      sessions: { proposer: string; config: { base_url: string }; versions: Record<string, string> }[];
    };
    expect(manifest.sessions[0]).toMatchObject({
      proposer: "openai-chat:qwen3:8b",
      config: { base_url: server.url },
    });
    expect(manifest.sessions[0]!.versions.openai_sdk).toMatch(/^\d+\./);

    const again = await runCli([...args, "--reasoning-effort", "medium"], cwd, {});
    expect(again.code, again.stderr).toBe(ExitCode.ok);
    expect(server.calls).toHaveLength(8); // nothing re-asked
  });

  it("a wrong --model is refused before the grid, naming the models the server has", async () => {
    const server = await chatServer({
      models: ["qwen3:8b", "llama3.1:8b"],
      script: () => ({ kind: "answer", text: "" }),
    });
    const res = await runCli(
      [...smallGrid(1), "--provider", "openai-chat", "--model", "qwen3:9b", "--base-url", server.url],
      tempDir(),
      {},
    );
    expect(res.code).toBe(ExitCode.usage);
    expect(res.stderr).toMatch(/--model qwen3:9b: .*has qwen3:8b, llama3\.1:8b/);
    expect(server.calls).toHaveLength(0);
  });

  it("truncated, hostile and faulty answers are recorded and the grid goes on; --max-tokens stops it", async () => {
    const replies: ChatReply[] = [
      { kind: "answer", text: "", reasoning: "so much thinking", finishReason: "length" },
      { kind: "answer", text: answer(PROGRAMS.readLabels) },
      { kind: "http_error", status: 429, retryAfter: "0" },
      { kind: "http_error", status: 503 },
      { kind: "drop" },
      { kind: "answer", text: answer(PROGRAMS.syntaxError) },
    ];
    const server = await chatServer({
      models: ["m"],
      script: ({ index }) => replies[index] ?? { kind: "answer", text: answer(PROGRAMS.constantZero) },
    });
    const cwd = tempDir();
    const env = { OPENAI_BASE_URL: server.url };
    const res = await runCli(
      [
        "run",
        "--functions",
        "fn_a",
        "--lengths",
        "20",
        "--attempts",
        "3",
        "--test-size",
        "200",
        "--provider",
        "openai-chat",
        "--model",
        "m",
        "--concurrency",
        "1",
      ],
      cwd,
      env,
    );
    expect(res.code, res.stderr).toBe(ExitCode.ok);
    const records = readAttemptsJsonl(join(cwd, "results_attempts.jsonl")).records;
    expect(records.map((r) => r.outcome)).toEqual(["no_code_found", expect.any(String), "syntax_error"]);
    expect(records[0]).toMatchObject({ incomplete_reason: "length", val_acc: 0 });
    expect(records[1]!.val_acc).not.toBe(1);
    expect(server.calls).toHaveLength(6); // 429, 503 and the dropped connection were retried

    // A budget of one call's worst case: the second call does not start (exit 3).
    const budgeted = await runCli(
      [
        "run",
        "--functions",
        "fn_b",
        "--lengths",
        "20",
        "--attempts",
        "3",
        "--test-size",
        "200",
        "--provider",
        "openai-chat",
        "--model",
        "m",
        "--concurrency",
        "1",
        "--max-output-tokens",
        "1000",
        "--max-tokens",
        "4000",
      ],
      tempDir(),
      env,
    );
    expect(budgeted.code, budgeted.stderr).toBe(ExitCode.budget);
  });

  it("the same scripted answers through openai and openai-chat give the same selections", async () => {
    const chatSeen = new Map<string, number>();
    const chat = await chatServer({
      script: ({ prompt }) => ({ kind: "answer", text: scripted(prompt, chatSeen) }),
    });
    const respSeen = new Map<string, number>();
    const responses = await responsesServer({
      script: ({ prompt }): Reply => ({ kind: "completed", text: scripted(prompt, respSeen) }),
    });
    const viaChat = tempDir();
    const viaResponses = tempDir();
    const [a, b] = await Promise.all([
      runCli(
        [...smallGrid(3), "--provider", "openai-chat", "--model", "loopback-model", "--base-url", chat.url],
        viaChat,
        {},
      ),
      runCli([...smallGrid(3)], viaResponses, {
        OPENAI_API_KEY: "fake-openai-key",
        OPENAI_BASE_URL: responses.url,
      }),
    ]);
    expect(a.code, a.stderr).toBe(ExitCode.ok);
    expect(b.code, b.stderr).toBe(ExitCode.ok);
    expect(selection(viaChat)).toEqual(selection(viaResponses));
  });

  it("--provider auto chooses by the model's name; the pre-flight names the key each needs", async () => {
    const env = { OPENAI_API_KEY: "fake-openai-key", OPENAI_BASE_URL: "http://127.0.0.1:9/v1" };
    // claude-* is anthropic's: without its key, the pre-flight names the key it needs.
    const claude = await runCli([...smallGrid(1), "--model", "claude-sonnet-4-5"], tempDir(), env);
    expect(claude.code).toBe(ExitCode.usage);
    expect(claude.stderr).toContain("provider: anthropic (chosen by --model claude-sonnet-4-5");
    expect(claude.stderr).toMatch(/ANTHROPIC_API_KEY is not set/);
    const gemini = await runCli(
      [...smallGrid(1), "--provider", "auto", "--model", "gemini-2.5-pro"],
      tempDir(),
      env,
    );
    expect(gemini.code).toBe(ExitCode.usage);
    expect(gemini.stderr).toContain("provider: gemini (chosen by --model gemini-2.5-pro");
    expect(gemini.stderr).toMatch(/GEMINI_API_KEY \(or GOOGLE_API_KEY\) is not set/);
  });
});
