import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAttemptsJsonl } from "../../src/artifacts/attempts-jsonl.js";
import {
  createVerifier,
  type LearnEvent,
  type LearnExample,
  LearnInputError,
  learn,
  loadDataFile,
  type Proposer,
  type ProposerContext,
  type SandboxVerifier,
  UserDataError,
} from "../../src/lib/index.js";
import { type ChatServer, startChatServer } from "../helpers/chat-server.js";

/** `n` distinct-ish bit strings of length `len`, deterministic in `seed` (an LCG). */
function bits(n: number, len: number, seed: number): string[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    let x = "";
    for (let i = 0; i < len; i++) {
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      x += (s >> 16) & 1;
    }
    return x;
  });
}
const contains101 = (x: string): LearnExample => ({ x, y: x.includes("101") ? 1 : 0 });
const parity = (x: string): LearnExample => ({ x, y: [...x].filter((c) => c === "1").length % 2 });

let verifier: SandboxVerifier;
beforeAll(async () => {
  verifier = await createVerifier();
}, 60_000);
afterAll(async () => {
  await verifier?.close();
});

describe("learn with the enumerator (the default proposer)", () => {
  it("finds a planted rule, 'contains 101', and scores it on every split", async () => {
    const res = await learn({
      train: bits(60, 12, 1).map(contains101),
      val: bits(60, 12, 2).map(contains101),
      test: bits(200, 12, 3).map(contains101),
      verifier,
    });
    expect(res.proposer).toBe("enumerative");
    expect(res.status).toBe("completed");
    expect(res.solved).toBe(true);
    expect(res).toMatchObject({ train_acc: 1, val_acc: 1, test_acc: 1, selected_attempt: 1 });
    expect(res.code).toContain("101");
    // early stop at validation accuracy 1.0: one attempt, recorded with its outcome and usage
    expect(res.attempts).toHaveLength(1);
    expect(res.attempts[0]).toMatchObject({ attempt: 1, outcome: "ok", code: res.code, cost_usd: 0 });
    expect(res.attempts[0]!.usage.total_tokens).toBe(0);
  }, 60_000);

  it("finds parity of the bits; without a test split test_acc is null", async () => {
    const res = await learn({
      train: bits(80, 10, 11).map(parity),
      val: bits(80, 10, 12).map(parity),
      verifier,
    });
    expect(res.solved).toBe(true);
    expect(res).toMatchObject({ train_acc: 1, val_acc: 1, test_acc: null });
    expect(res.attempts.every((a) => a.test_acc === null)).toBe(true);
  }, 60_000);

  it("learns class labels: the class is the input's first character, some labels ints, some strings", async () => {
    const words = (n: number, seed: number) => {
      let s = seed;
      return Array.from({ length: n }, () => {
        let x = "";
        const len = 3 + (s % 5);
        for (let i = 0; i < len; i++) {
          s = (s * 1103515245 + 12345) & 0x7fffffff;
          x += "abc"[(s >> 16) % 3];
        }
        return x;
      });
    };
    // "a" -> the int 7, "b" -> "bee", "c" -> "sea": classes compared as str(f(x)) exactly
    const cls = (x: string): LearnExample => ({ x, y: x[0] === "a" ? 7 : x[0] === "b" ? "bee" : "sea" });
    const res = await learn({
      train: words(60, 5).map(cls),
      val: words(60, 6).map(cls),
      test: words(200, 7).map(cls),
      verifier,
    });
    expect(res).toMatchObject({ solved: true, train_acc: 1, val_acc: 1, test_acc: 1 });
    expect(res.code).toContain("'bee'");
    expect(res.code).toContain("x[0]");
  }, 60_000);

  it("learns from a CSV read by loadDataFile as run --data reads it (quoted commas, unicode)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "llm-erm-learn-csv-"));
    try {
      const lines = bits(160, 8, 21).map((b, i) => {
        const x = [...b].map((c) => (c === "1" ? "é" : ",")).join("") + (i % 2 ? ' "' : "");
        return `"${x.replaceAll('"', '""')}",${x.includes("é,é") ? 1 : 0}`;
      });
      const file = join(dir, "marks.csv");
      writeFileSync(file, `input,label\n${[...new Set(lines)].join("\n")}\n`);
      const { facts, splits } = loadDataFile(file, { trainSize: 40, valSize: 40 });
      expect(facts).toMatchObject({ name: "marks", labelKind: "binary", split: "seeded" });
      expect(splits.train).toHaveLength(40);
      expect(splits.train.every((e) => e.x.length >= 8 && /^[é,]+( ")?$/.test(e.x))).toBe(true);
      const res = await learn({ ...splits, verifier });
      expect(res).toMatchObject({ solved: true, train_acc: 1, val_acc: 1, test_acc: 1 });
      expect(() => loadDataFile(join(dir, "missing.csv"))).toThrow(UserDataError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("reports progress through onProgress: the sandbox, progress states, each attempt", async () => {
    const events: LearnEvent[] = [];
    const res = await learn({
      train: bits(60, 12, 1).map(contains101),
      val: bits(60, 12, 2).map(contains101),
      onProgress: (e) => events.push(e),
      sandbox: "auto",
    });
    const types = new Set(events.map((e) => e.type));
    expect(types).toEqual(new Set(["sandbox", "progress", "attempt", "log"]));
    const sandbox = events.find((e) => e.type === "sandbox");
    expect(sandbox).toMatchObject({ type: "sandbox", mode: "bubblewrap" });
    const attempts = events.flatMap((e) => (e.type === "attempt" ? [e.attempt] : []));
    expect(attempts).toEqual(res.attempts);
    const last = events.filter((e) => e.type === "progress").at(-1);
    expect(last).toMatchObject({ state: { pointsTotal: 1, pointsDone: 1, solved: 1 } });
  }, 60_000);

  it("a weaker sandbox tier runs only when named", async () => {
    const modes: string[] = [];
    const res = await learn({
      train: bits(40, 12, 1).map(contains101),
      val: bits(40, 12, 2).map(contains101),
      sandbox: "rlimits",
      onProgress: (e) => {
        if (e.type === "sandbox") modes.push(e.mode);
      },
    });
    expect(modes).toEqual(["rlimits"]);
    expect(res.solved).toBe(true);
  }, 60_000);

  it("writes nothing unless outDir asks; then the attempts JSONL and CSV as run writes them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "llm-erm-learn-"));
    try {
      const out = join(dir, "out");
      const res = await learn({
        train: bits(60, 12, 1).map(contains101),
        val: bits(60, 12, 2).map(contains101),
        verifier,
        outDir: out,
      });
      expect(readdirSync(dir)).toEqual(["out"]);
      expect(readdirSync(out).sort()).toEqual(["results_attempts.csv", "results_attempts.jsonl"]);
      const { records } = readAttemptsJsonl(join(out, "results_attempts.jsonl"));
      expect(records.map((r) => [r.attempt, r.outcome, r.val_acc])).toEqual(
        res.attempts.map((a) => [a.attempt, a.outcome, a.val_acc]),
      );
      expect(readFileSync(join(out, "results_attempts.csv"), "utf8").split("\n").length).toBeGreaterThan(2);
      // a second call replaces them
      await learn({
        train: [{ x: "01", y: 1 }],
        val: [{ x: "10", y: 0 }],
        verifier,
        outDir: out,
        attempts: 1,
      });
      expect(readAttemptsJsonl(join(out, "results_attempts.jsonl")).records).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(existsSync(dir)).toBe(false);
  }, 60_000);

  it("stops when the signal aborts: no attempt recorded, status interrupted", async () => {
    const controller = new AbortController();
    const started = Date.now();
    const res = await learn({
      // a search that takes long (parity of 24 bits with a budget of many programs)
      train: bits(200, 24, 5).map((x) => ({ x, y: (x.match(/1/g)?.length ?? 0) % 3 === 0 ? 1 : 0 })),
      val: bits(50, 24, 6).map((x) => ({ x, y: 0 })),
      enumeration: { maxPrograms: 50_000_000, maxSeconds: 60, maxSize: 30 },
      verifier,
      onProgress: (e) => {
        if (e.type === "progress" && e.state.active.some((a) => a.phase === "proposing"))
          controller.abort(new Error("caller stopped"));
      },
      signal: controller.signal,
    });
    expect(controller.signal.aborted).toBe(true);
    expect(res.status).toBe("interrupted");
    expect(res.attempts).toEqual([]);
    expect(res.code).toBeNull();
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 60_000);

  it("a signal aborted before the call starts nothing", async () => {
    const res = await learn({
      train: [{ x: "01", y: 1 }],
      val: [{ x: "10", y: 0 }],
      verifier,
      signal: AbortSignal.abort(),
    });
    expect(res).toMatchObject({ status: "interrupted", attempts: [], code: null });
  });
});

describe("learn with your own Proposer", () => {
  it("gets the prompt, train examples, grid point, attemptsDone and signal — never a label function or val/test", async () => {
    const contexts: ProposerContext[] = [];
    const answers = [
      '{"code": "def f(x):\\n    return 1\\n"}',
      "no code here",
      '{"code": "def f(x):\\n    return int(x[0] == \'1\')\\n"}',
    ];
    const mine: Proposer = {
      id: "mine",
      open(ctx) {
        contexts.push(ctx);
        let i = 0;
        return {
          next: async () => (i < answers.length ? { text: answers[i++]!, durationMs: 1 } : null),
        };
      },
    };
    const train = bits(20, 6, 21).map((x) => ({ x, y: Number(x[0]) }));
    const val = bits(20, 6, 22).map((x) => ({ x, y: Number(x[0]) }));
    const res = await learn({ train, val, proposer: mine, attempts: 5, verifier });
    expect(contexts).toHaveLength(1);
    const ctx = contexts[0]!;
    expect(Object.keys(ctx).sort()).toEqual(["attemptsDone", "gridPoint", "prompt", "signal", "train"]);
    expect(ctx.train).toEqual(train);
    expect(ctx.prompt).toContain("(binary, length 6)");
    expect(ctx.prompt).not.toContain(val.find((e) => !train.some((t) => t.x === e.x))!.x);
    expect(res.proposer).toBe("mine");
    expect(res.attempts.map((a) => a.outcome)).toEqual(["ok", "no_code_found", "ok"]);
    expect(res.attempts[1]!.code).toBeNull();
    expect(res).toMatchObject({ solved: true, selected_attempt: 3, val_acc: 1 });
  }, 60_000);

  it("a prompt of its own replaces the default", async () => {
    let seen = "";
    const mine: Proposer = {
      id: "mine",
      open(ctx) {
        seen = ctx.prompt;
        return { next: async () => null };
      },
    };
    const res = await learn({
      train: [{ x: "ab", y: 1 }],
      val: [{ x: "ba", y: 0 }],
      proposer: mine,
      prompt: "my prompt",
      verifier,
    });
    expect(seen).toBe("my prompt");
    expect(res).toMatchObject({ status: "completed", code: null, attempts: [] });
  });
});

describe("learn with a provider (OpenAI-compatible chat over loopback HTTP)", () => {
  let server: ChatServer;
  beforeAll(async () => {
    server = await startChatServer({
      apiKey: "fake-openai-key",
      script: () => ({ kind: "answer", text: '{"code": "def f(x):\\n    return int(\'101\' in x)\\n"}' }),
    });
  });
  afterAll(async () => {
    await server?.close();
  });
  const data = () => ({
    train: bits(30, 12, 1).map(contains101),
    val: bits(30, 12, 2).map(contains101),
  });

  it("apiKey and baseURL as options: the environment is not read", async () => {
    const res = await learn({
      ...data(),
      provider: "openai-chat",
      model: "loopback-model",
      apiKey: "fake-openai-key",
      baseURL: server.url,
      env: { OPENAI_API_KEY: "sk-wrong", OPENAI_BASE_URL: "http://127.0.0.1:9/v1" },
      verifier,
    });
    expect(res.proposer).toBe("openai-chat:loopback-model");
    expect(res).toMatchObject({ solved: true, val_acc: 1 });
    expect(res.attempts[0]!.usage.total_tokens).toBeGreaterThan(0);
    expect(server.calls.at(-1)!.authorization).toBe("Bearer fake-openai-key");
    expect(server.calls.at(-1)!.prompt).toContain("(binary, length 12)");
  }, 60_000);

  it("absent options: the provider's own variables from env", async () => {
    const res = await learn({
      ...data(),
      provider: "openai-chat",
      model: "loopback-model",
      env: { OPENAI_API_KEY: "fake-openai-key", OPENAI_BASE_URL: server.url },
      verifier,
    });
    expect(res.solved).toBe(true);
  }, 60_000);

  it("no key anywhere: a UsageError naming the variable, before any call", async () => {
    const before = server.calls.length;
    await expect(
      learn({ ...data(), provider: "openai-chat", model: "m", baseURL: server.url, env: {}, verifier }),
    ).rejects.toThrow(/OPENAI_API_KEY/);
    expect(server.calls.length).toBe(before);
  });
});

describe("learn's input checks (LearnInputError, nothing started)", () => {
  const ok = { train: [{ x: "01", y: 1 }], val: [{ x: "10", y: 0 }] };
  const issuesOf = async (input: unknown): Promise<string> => {
    try {
      await learn(input as Parameters<typeof learn>[0]);
    } catch (err) {
      expect(err).toBeInstanceOf(LearnInputError);
      return (err as Error).message;
    }
    throw new Error("learn accepted it");
  };

  it("an empty train split", async () => {
    expect(await issuesOf({ ...ok, train: [] })).toMatch(/train: is empty/);
  });
  it("a missing val split", async () => {
    expect(await issuesOf({ train: ok.train })).toMatch(/^learn: val: /);
  });
  it("an input that is not a string, named by its index", async () => {
    expect(
      await issuesOf({
        ...ok,
        val: [
          { x: "1", y: 0 },
          { x: 5, y: 1 },
        ],
      }),
    ).toMatch(/val\[1\]\.x: must be a string/);
  });
  it("a label that is neither an integer nor a class name, named by split and index", async () => {
    const train = [...bits(3, 4, 1).map(contains101), { x: "0000", y: 1.5 }];
    expect(await issuesOf({ ...ok, train })).toMatch(
      /train\[3\]\.y: label 1.5: a number label must be an integer/,
    );
    expect(await issuesOf({ ...ok, test: [{ x: "1", y: "  " }] })).toMatch(/test\[0\]\.y: label is empty/);
  });
  it("every issue at once, each with its path", async () => {
    try {
      await learn({
        train: [
          { x: "0110", y: 1 },
          { x: "0111", y: Number.NaN },
        ],
        val: [],
        atempts: 3,
      } as unknown as Parameters<typeof learn>[0]);
      expect.unreachable();
    } catch (err) {
      expect((err as LearnInputError).issues.map((i) => i.path)).toEqual(["val", "", "train[1].y"]);
    }
  });
  it("a label missing", async () => {
    expect(await issuesOf({ ...ok, train: [{ x: "1" }] })).toMatch(/train\[0\]\.y: /);
  });
  it("an unknown option, attempts below 1, an unknown sandbox tier", async () => {
    expect(await issuesOf({ ...ok, atempts: 3 })).toMatch(/unknown option\(s\) 'atempts'/);
    expect(await issuesOf({ ...ok, attempts: 0 })).toMatch(/attempts: /);
    expect(await issuesOf({ ...ok, sandbox: "none" })).toMatch(/sandbox: /);
  });
  it("an unknown provider, a provider without a model, a proposer and a provider", async () => {
    expect(await issuesOf({ ...ok, provider: "nope" })).toMatch(/provider: unknown provider 'nope'/);
    expect(await issuesOf({ ...ok, provider: "openai" })).toMatch(/model: required with provider 'openai'/);
    const p: Proposer = { id: "x", open: () => ({ next: async () => null }) };
    expect(await issuesOf({ ...ok, proposer: p, model: "gpt-5" })).toMatch(/not both/);
  });
});
