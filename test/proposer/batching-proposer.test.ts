import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createAnthropicBatchTransport } from "../../src/proposer/batch/anthropic-batch.js";
import {
  appendJournal,
  batchesPathOf,
  readJournal,
  readUploads,
} from "../../src/proposer/batch/batch-journal.js";
import { customIdOf } from "../../src/proposer/batch/batch-transport.js";
import { createBatchingProposer } from "../../src/proposer/batch/batching-proposer.js";
import { createOpenAIBatchTransport } from "../../src/proposer/batch/openai-batch.js";
import { PAPER_REQUEST_DEFAULTS } from "../../src/proposer/openai-request.js";
import { CallAbortedError, type Proposal, type Proposer } from "../../src/proposer/proposer.js";
import { type BatchServer, type BatchServerOptions, startBatchServer } from "../helpers/batch-server.js";
import { tempDir } from "../helpers/spawn-cli.js";

const open: BatchServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});
const serve = async (o: BatchServerOptions) => {
  const s = await startBatchServer(o);
  open.push(s);
  return s;
};
const FAST = { quietMs: 40, pollMs: 10, maxPollMs: 20 };
const NO_RETRY = { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 };

const openaiProposer = (server: BatchServer, journal: string, extra: { promptCache?: boolean } = {}) =>
  createBatchingProposer({
    id: "openai:gpt-5",
    transport: createOpenAIBatchTransport({
      ...PAPER_REQUEST_DEFAULTS,
      apiKey: "fake-openai-key",
      baseURL: server.url,
      retry: NO_RETRY,
      ...extra,
    }),
    journal,
    fingerprint: "fp1",
    ...FAST,
  });

const anthropicProposer = (server: BatchServer, journal: string) =>
  createBatchingProposer({
    id: "anthropic:claude-sonnet-4-5",
    transport: createAnthropicBatchTransport({
      model: "claude-sonnet-4-5",
      maxOutputTokens: 4096,
      promptCache: true,
      apiKey: "fake-anthropic-key",
      baseURL: server.anthropicUrl,
      retry: NO_RETRY,
    }),
    journal,
    fingerprint: "fp1",
    ...FAST,
  });

/** Grid points fn_a at lengths 20, 25, 30 asking for `attempt` at once; their answers by length. */
async function wave(p: Proposer, attempt: number, lengths = [20, 25, 30], signal?: AbortSignal) {
  const answers = await Promise.all(
    lengths.map((length) =>
      p
        .open({
          gridPoint: { fn: "fn_a", length },
          prompt: `prompt L=${length}`,
          train: [],
          attemptsDone: attempt - 1,
          signal: signal ?? new AbortController().signal,
        })
        .next(attempt),
    ),
  );
  return new Map(lengths.map((l, i) => [l, answers[i] as Proposal]));
}

const answerOf = (prompt: string) => `{"code": "def f(x): return ${prompt.length}"}`;

describe("batching proposer over OpenAI's Batch API (loopback /v1/files and /v1/batches)", () => {
  it("sends a wave as one batch, answers each request from its custom id, journals the batch id", async () => {
    const server = await serve({
      script: ({ prompt }) => ({
        kind: "answer",
        text: answerOf(prompt),
        usage: { input: 2000, output: 100, cachedRead: 1500 },
      }),
      pollsBeforeEnd: 2,
    });
    const journal = batchesPathOf(join(tempDir(), "results_attempts.jsonl"));
    const answers = await wave(openaiProposer(server, journal, { promptCache: true }), 1);
    expect(server.batches).toHaveLength(1);
    expect(server.uploads).toHaveLength(1);
    expect(server.batches[0]!.items.map((it) => it.customId).sort()).toEqual([
      "fn_a-L20-T1-a1",
      "fn_a-L25-T1-a1",
      "fn_a-L30-T1-a1",
    ]);
    // The output file comes back reversed: every answer still reaches its own request.
    for (const [length, p] of answers) {
      expect(p.text).toBe(answerOf(`prompt L=${length}`));
      expect(p.pricingMode).toBe("batch");
      expect(p.usage).toMatchObject({ input_tokens: 2000, cached_tokens: 1500, output_tokens: 100 });
      expect(p.meta).toMatchObject({ batch_id: "batch_1", custom_id: `fn_a-L${length}-T1-a1` });
    }
    const body = server.batches[0]!.items[0]!.body;
    expect(body).toMatchObject({ model: "gpt-5", reasoning: { effort: "high" }, max_output_tokens: 20000 });
    expect(String(body.prompt_cache_key)).toMatch(/^llm-erm-fn_a-L(20|25|30)$/);
    expect(server.retrieves.length).toBeGreaterThanOrEqual(3);
    expect(readJournal(journal)).toEqual([
      expect.objectContaining({ provider: "openai", batch_id: "batch_1", fingerprint: "fp1" }),
    ]);
    expect(readFileSync(journal, "utf8").endsWith("\n")).toBe(true);
  });

  it("resubmits only the items a batch left unanswered (5xx lines, expired) and records refusals", async () => {
    const server = await serve({
      script: ({ index, customId }) =>
        index === 0 && customId.includes("L20")
          ? { kind: "error", status: 500, message: "server error" }
          : customId.includes("L25") && index < 3
            ? { kind: "expired" }
            : customId.includes("L30")
              ? { kind: "error", status: 400, message: "invalid prompt" }
              : { kind: "answer", text: "ok" },
      endStatus: (i) => (i === 0 ? "expired" : "completed"),
    });
    const journal = batchesPathOf(join(tempDir(), "r.jsonl"));
    const answers = await wave(openaiProposer(server, journal), 1);
    expect(server.batches).toHaveLength(2);
    // The second batch holds exactly the two the first did not answer.
    expect(server.batches[1]!.items.map((it) => it.customId).sort()).toEqual([
      "fn_a-L20-T1-a1",
      "fn_a-L25-T1-a1",
    ]);
    expect(server.submissionsOf("fn_a-L30-T1-a1")).toBe(1);
    expect(answers.get(20)!.text).toBe("ok");
    expect(answers.get(25)!.text).toBe("ok");
    expect(answers.get(30)!.error).toBe("HTTP 400: invalid prompt");
    expect(answers.get(20)!.meta).toMatchObject({ batch_id: "batch_2" });
    expect(readJournal(journal).map((e) => e.batch_id)).toEqual(["batch_1", "batch_2"]);
  });

  it("a cancelled batch's items go into the next batch; an item never answered fails after maxResubmits", async () => {
    const server = await serve({
      script: ({ customId }) =>
        customId.includes("L20") ? { kind: "expired" } : { kind: "answer", text: "ok" },
      endStatus: (i) => (i === 0 ? "cancelled" : "completed"),
    });
    const journal = batchesPathOf(join(tempDir(), "r.jsonl"));
    const p = createBatchingProposer({
      id: "openai:gpt-5",
      transport: createOpenAIBatchTransport({
        ...PAPER_REQUEST_DEFAULTS,
        apiKey: "k",
        baseURL: server.url,
        retry: NO_RETRY,
      }),
      journal,
      fingerprint: "fp1",
      maxResubmits: 2,
      ...FAST,
    });
    const answers = await wave(p, 1, [20, 25]);
    expect(answers.get(25)!.text).toBe("ok");
    expect(answers.get(20)!.error).toMatch(/no answer after 3 batches/);
    expect(server.submissionsOf("fn_a-L20-T1-a1")).toBe(3);
    expect(server.submissionsOf("fn_a-L25-T1-a1")).toBe(1);
  });

  it("a new process with the journal polls the journalled batch: zero submissions", async () => {
    let release = false;
    const server = await serve({
      script: ({ prompt }) => ({ kind: "answer", text: answerOf(prompt) }),
      release: () => release,
    });
    const journal = batchesPathOf(join(tempDir(), "r.jsonl"));
    const first = new AbortController();
    const killed = wave(openaiProposer(server, journal), 1, [20, 25, 30], first.signal);
    const deadline = Date.now() + 10_000;
    while (server.batches.length === 0 || server.retrieves.length < 2) {
      if (Date.now() > deadline) throw new Error("no batch");
      await new Promise((r) => setTimeout(r, 10));
    }
    first.abort(new Error("SIGKILL stand-in"));
    await expect(killed).rejects.toBeInstanceOf(CallAbortedError);
    release = true;
    const answers = await wave(openaiProposer(server, journal), 1);
    expect(server.batches).toHaveLength(1);
    for (const l of [20, 25, 30])
      expect(server.submissionsOf(customIdOf({ fn: "fn_a", length: l }, 1))).toBe(1);
    expect(answers.get(25)!.text).toBe(answerOf("prompt L=25"));
    expect(answers.get(25)!.meta).toMatchObject({ batch_id: "batch_1" });
  });

  /** A process killed after uploading its wave's file, before batches.create answered (server held it). */
  async function killedAfterUpload(server: BatchServer, journal: string, lengths = [20, 25, 30]) {
    const first = new AbortController();
    const killed = wave(openaiProposer(server, journal), 1, lengths, first.signal);
    const deadline = Date.now() + 10_000;
    while (server.heldCreates.length === 0) {
      if (Date.now() > deadline) throw new Error("no batch create");
      await new Promise((r) => setTimeout(r, 10));
    }
    first.abort(new Error("SIGKILL stand-in"));
    await expect(killed).rejects.toBeInstanceOf(CallAbortedError);
  }

  const openaiWithEvents = (server: BatchServer, journal: string, events: string[]) =>
    createBatchingProposer({
      id: "openai:gpt-5",
      transport: createOpenAIBatchTransport({
        ...PAPER_REQUEST_DEFAULTS,
        apiKey: "fake-openai-key",
        baseURL: server.url,
        retry: NO_RETRY,
      }),
      journal,
      fingerprint: "fp1",
      onEvent: (e, f) => events.push(`${e} ${String(f.file_id ?? f.batch_id ?? "")}`),
      ...FAST,
    });

  it("killed between the upload and batches.create: the next process creates the batch from the journalled file, uploading nothing", async () => {
    const server = await serve({
      script: ({ prompt }) => ({ kind: "answer", text: answerOf(prompt) }),
      holdCreates: 1,
    });
    const journal = batchesPathOf(join(tempDir(), "r.jsonl"));
    await killedAfterUpload(server, journal);
    expect(server.uploads).toEqual(["file-1"]);
    expect(server.heldCreates).toEqual(["file-1"]);
    expect(server.batches).toHaveLength(0);
    expect(readJournal(journal)).toEqual([]);
    expect(readUploads(journal)).toEqual([
      expect.objectContaining({
        event: "uploaded",
        provider: "openai",
        file_id: "file-1",
        fingerprint: "fp1",
        digest: expect.stringMatching(/^[0-9a-f]{64}$/),
      }),
    ]);
    expect(readUploads(journal)[0]!.custom_ids.sort()).toEqual([
      "fn_a-L20-T1-a1",
      "fn_a-L25-T1-a1",
      "fn_a-L30-T1-a1",
    ]);

    const events: string[] = [];
    // The requests arrive in another order: the file's lines (custom id order) are the same bytes.
    const answers = await wave(openaiWithEvents(server, journal, events), 1, [30, 20, 25]);
    expect(server.uploads).toEqual(["file-1"]); // no second upload
    expect(server.batches.map((b) => [b.id, b.inputFileId, b.items.length])).toEqual([
      ["batch_1", "file-1", 3],
    ]);
    for (const l of [20, 25, 30]) {
      expect(server.submissionsOf(customIdOf({ fn: "fn_a", length: l }, 1))).toBe(1);
      expect(answers.get(l)!.text).toBe(answerOf(`prompt L=${l}`));
    }
    expect(events).toContain("batch_input_reused file-1");
    expect(readJournal(journal)).toEqual([
      expect.objectContaining({ batch_id: "batch_1", input_file_id: "file-1" }),
    ]);

    // That upload is used up: a later wave of the same bytes (another process) uploads its own file.
    const again = await serve({ script: ({ prompt }) => ({ kind: "answer", text: answerOf(prompt) }) });
    const journal2 = batchesPathOf(join(tempDir(), "r.jsonl"));
    appendJournal(journal2, readUploads(journal)[0]!);
    appendJournal(journal2, { ...readJournal(journal)[0]!, custom_ids: [] });
    const events2: string[] = [];
    await wave(openaiWithEvents(again, journal2, events2), 1);
    expect(events2.filter((e) => e.startsWith("batch_input"))).toEqual([]);
    expect(again.uploads).toEqual(["file-1"]);
  });

  it("a journalled upload of other content is not used; one the provider refuses is uploaded again", async () => {
    const server = await serve({
      script: ({ prompt }) => ({ kind: "answer", text: answerOf(prompt) }),
      holdCreates: 1,
    });
    const journal = batchesPathOf(join(tempDir(), "r.jsonl"));
    await killedAfterUpload(server, journal, [20, 25, 30]);
    // Another wave (two of the three requests): its own upload; the journalled file stays unused.
    const events: string[] = [];
    await wave(openaiWithEvents(server, journal, events), 1, [20, 25]);
    expect(server.uploads).toEqual(["file-1", "file-2"]);
    expect(server.batches.map((b) => b.inputFileId)).toEqual(["file-2"]);
    expect(events.filter((e) => e.startsWith("batch_input"))).toEqual([]);

    // The same wave against a provider that never saw file-1 (another endpoint): refused, uploaded again.
    const other = await serve({ script: ({ prompt }) => ({ kind: "answer", text: answerOf(prompt) }) });
    const journal2 = batchesPathOf(join(tempDir(), "r.jsonl"));
    for (const u of readUploads(journal)) appendJournal(journal2, { ...u, file_id: "file-gone" });
    const events2: string[] = [];
    const answers = await wave(openaiWithEvents(other, journal2, events2), 1);
    expect(events2.filter((e) => e.startsWith("batch_input"))).toEqual([
      "batch_input_reused file-gone",
      "batch_input_refused file-gone",
    ]);
    expect(other.uploads).toEqual(["file-1"]);
    expect(other.batches.map((b) => [b.inputFileId, b.items.length])).toEqual([["file-1", 3]]);
    expect(answers.get(30)!.text).toBe(answerOf("prompt L=30"));
    expect(readJournal(journal2)).toEqual([expect.objectContaining({ input_file_id: "file-1" })]);
  });

  it("a journalled batch the provider does not know (404) is not waited on: its requests go into a new batch", async () => {
    const server = await serve({ script: () => ({ kind: "answer", text: "ok" }) });
    const journal = batchesPathOf(join(tempDir(), "r.jsonl"));
    appendJournal(journal, {
      event: "submitted",
      provider: "openai",
      batch_id: "batch_from_elsewhere",
      fingerprint: "fp1",
      custom_ids: ["fn_a-L20-T1-a1"],
      ts: new Date().toISOString(),
    });
    const p = createBatchingProposer({
      id: "openai:gpt-5",
      transport: createOpenAIBatchTransport({
        ...PAPER_REQUEST_DEFAULTS,
        apiKey: "k",
        baseURL: server.url,
        retry: NO_RETRY,
      }),
      journal,
      fingerprint: "fp1",
      maxPollFailures: 1_000_000, // only the 404 ends the wait
      ...FAST,
    });
    const answers = await Promise.race([
      wave(p, 1, [20]),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error("still waiting on the unknown batch")), 5000),
      ),
    ]);
    expect(answers.get(20)!.text).toBe("ok");
    expect(server.batches).toHaveLength(1);
    expect(server.submissionsOf("fn_a-L20-T1-a1")).toBe(1);
  });

  it("another config's journal entries are not reused", async () => {
    const server = await serve({ script: () => ({ kind: "answer", text: "ok" }) });
    const journal = batchesPathOf(join(tempDir(), "r.jsonl"));
    await wave(openaiProposer(server, journal), 1, [20]);
    const other = createBatchingProposer({
      id: "openai:gpt-5",
      transport: createOpenAIBatchTransport({
        ...PAPER_REQUEST_DEFAULTS,
        apiKey: "k",
        baseURL: server.url,
        retry: NO_RETRY,
      }),
      journal,
      fingerprint: "fp2",
      ...FAST,
    });
    await wave(other, 1, [20]);
    expect(server.batches).toHaveLength(2);
  });
});

describe("batching proposer over Anthropic's Message Batches (loopback /v1/messages/batches)", () => {
  it("creates one batch per wave with cache_control, reads the results JSONL by custom id, resubmits expired and overloaded items", async () => {
    const server = await serve({
      script: ({ index, customId }) =>
        index === 0
          ? { kind: "error", status: 529, type: "overloaded_error", message: "Overloaded" }
          : customId.includes("L25") && index < 3
            ? { kind: "expired" }
            : customId.includes("L30")
              ? { kind: "error", status: 400, type: "invalid_request_error", message: "bad" }
              : {
                  kind: "answer",
                  text: `answer ${customId}`,
                  usage: { input: 3000, output: 200, cachedRead: 2500, cacheWrite: 0 },
                },
    });
    const journal = batchesPathOf(join(tempDir(), "r.jsonl"));
    const answers = await wave(anthropicProposer(server, journal), 2);
    expect(server.batches).toHaveLength(2);
    expect(server.batches[1]!.items.map((it) => it.customId).sort()).toEqual([
      "fn_a-L20-T1-a2",
      "fn_a-L25-T1-a2",
    ]);
    expect(server.batches[0]!.items[0]!.body).toMatchObject({
      model: "claude-sonnet-4-5",
      max_tokens: 4096,
      messages: [{ role: "user", content: [{ type: "text", cache_control: { type: "ephemeral" } }] }],
    });
    expect(answers.get(20)!.text).toBe("answer fn_a-L20-T1-a2");
    expect(answers.get(20)!.usage).toMatchObject({ input_tokens: 3000, cached_tokens: 2500 });
    expect(answers.get(20)!.pricingMode).toBe("batch");
    expect(answers.get(30)!.error).toMatch(/invalid_request_error: bad/);
    expect(readJournal(journal).map((e) => [e.provider, e.batch_id])).toEqual([
      ["anthropic", "msgbatch_1"],
      ["anthropic", "msgbatch_2"],
    ]);
  });
});
