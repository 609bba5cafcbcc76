import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterEach, describe, expect, it } from "vitest";
import { readAttemptsJsonl } from "../../src/artifacts/attempts-jsonl.js";
import { ExitCode } from "../../src/core/errors.js";
import { readJournal, readUploads } from "../../src/proposer/batch/batch-journal.js";
import { type BatchServer, type ItemOutcome, startBatchServer } from "../helpers/batch-server.js";
import { smallGrid } from "../helpers/loopback-cli.js";
import { answer, oracleProgram, PROGRAMS } from "../helpers/programs.js";
import { runCli, spawnCli, tempDir, waitFor } from "../helpers/spawn-cli.js";

const open: BatchServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** Attempt 1 of every grid point a wrong program, attempt 2 the oracle: two waves. */
const twoWaves = ({ customId, prompt }: { customId: string; prompt: string }): ItemOutcome => ({
  kind: "answer",
  text: answer(
    customId.endsWith("-a1") ? PROGRAMS.constantZero : (oracleProgram(prompt) ?? PROGRAMS.constantZero),
  ),
  usage: { input: 1000, output: 500, cachedRead: 0 },
});

const CUSTOM_IDS = ["fn_a", "fn_b"].flatMap((fn) =>
  [20, 25].flatMap((l) => [1, 2].map((a) => `${fn}-L${l}-T1-a${a}`)),
);

// gpt-5 at batch rates (half of 1.25 input / 10 output per 1M): 1000 x 0.625 + 500 x 5
const BATCH_COST = (1000 * 0.625 + 500 * 5) / 1e6;

describe("llm-erm run --batch-api against loopback batch servers", () => {
  it("openai: one batch per wave, early stop between waves, batch-priced costs and summary columns", async () => {
    const server = await startBatchServer({ script: twoWaves });
    open.push(server);
    const cwd = tempDir();
    const res = await runCli([...smallGrid(3), "--batch-api", "--batch-poll", "0.05"], cwd, {
      OPENAI_API_KEY: "fake-openai-key",
      OPENAI_BASE_URL: server.url,
    });
    expect(res.code, res.stderr).toBe(ExitCode.ok);
    // Wave 1: attempt 1 of the 4 grid points; wave 2: attempt 2; all solved: no wave 3.
    expect(server.batches.map((b) => b.items.length)).toEqual([4, 4]);
    for (const id of CUSTOM_IDS) expect(server.submissionsOf(id)).toBe(1);
    expect(res.stderr).toMatch(/batch batch_1: submitted, 4 request\(s\)/);
    expect(res.stderr).toMatch(/batch batch_2: completed \(4\/4 answered, 0 failed\)/);
    const records = readAttemptsJsonl(join(cwd, "results_attempts.jsonl")).records;
    expect(records).toHaveLength(8);
    for (const r of records) {
      expect(r.cost_usd).toBeCloseTo(BATCH_COST, 12);
      expect(r.meta).toMatchObject({ batch_id: r.attempt === 1 ? "batch_1" : "batch_2" });
    }
    expect(records.filter((r) => r.val_acc === 1)).toHaveLength(4);
    const summary = parse(readFileSync(join(cwd, "results_summary.csv"), "utf8"), {
      columns: true,
    }) as Record<string, string>[];
    expect(Number(summary[0]!.cost_per_attempt_usd)).toBeCloseTo(BATCH_COST, 9);
    expect(summary[0]!.cached_tokens).toBe("0");
    expect(res.stderr).toContain(
      `llm-erm: Cost: $${(8 * BATCH_COST).toFixed(4)} for 8 attempt(s) over 4 grid point(s): $${BATCH_COST.toFixed(4)} per attempt, $${(2 * BATCH_COST).toFixed(4)} per grid point, $${(2 * BATCH_COST).toFixed(4)} per solved grid point (4 solved)`,
    );
    expect(readJournal(join(cwd, "results_attempts.batches.jsonl")).map((e) => e.batch_id)).toEqual([
      "batch_1",
      "batch_2",
    ]);
  });

  it("--max-cost-usd reserves at batch rates: a cap one standard-rate wave would break runs the grid", async () => {
    const server = await startBatchServer({ script: twoWaves });
    open.push(server);
    const cwd = tempDir();
    // A call's worst case (about 1900 prompt tokens, 20000 output tokens, gpt-5): $0.10 at batch rates,
    // $0.20 at standard ones. $0.45 holds a wave of 4 at batch rates, not at standard ones (exit 3).
    const res = await runCli(
      [...smallGrid(3), "--batch-api", "--batch-poll", "0.05", "--max-cost-usd", "0.45"],
      cwd,
      { OPENAI_API_KEY: "fake-openai-key", OPENAI_BASE_URL: server.url },
    );
    expect(res.code, res.stderr).toBe(ExitCode.ok);
    expect(server.batches.map((b) => b.items.length)).toEqual([4, 4]);
    const manifest = JSON.parse(readFileSync(join(cwd, "run_manifest.json"), "utf8")) as {
      sessions: { config: { price: unknown } }[];
    };
    expect(manifest.sessions[0]!.config.price).toEqual({ input: 0.625, cached_input: 0.0625, output: 5 });
  });

  it("kill -9 mid-batch, then resume: the batch is polled again, zero duplicate submissions", async () => {
    let release = false;
    const server = await startBatchServer({ script: twoWaves, release: () => release });
    open.push(server);
    const cwd = tempDir();
    const args = [...smallGrid(3), "--batch-api", "--batch-poll", "0.05"];
    const env = { OPENAI_API_KEY: "fake-openai-key", OPENAI_BASE_URL: server.url };
    const first = spawnCli(args, cwd, env);
    const journal = join(cwd, "results_attempts.batches.jsonl");
    await waitFor(
      () => server.batches.length === 1 && existsSync(journal) && server.retrieves.length >= 2,
      60_000,
    );
    first.child.kill("SIGKILL");
    const killed = await first.done;
    expect(killed.signal).toBe("SIGKILL");
    expect(readJournal(journal).map((e) => e.batch_id)).toEqual(["batch_1"]);
    release = true;
    const res = await runCli(args, cwd, env);
    expect(res.code, res.stderr).toBe(ExitCode.ok);
    expect(res.stderr).toContain("batch batch_1: resuming it (polling, not submitting again)");
    expect(server.batches.map((b) => b.items.length)).toEqual([4, 4]);
    for (const id of CUSTOM_IDS) expect(server.submissionsOf(id)).toBe(1);
    const records = readAttemptsJsonl(join(cwd, "results_attempts.jsonl")).records;
    expect(records.map((r) => `${r.fn}-L${r.length}-a${r.attempt}`).sort()).toEqual(
      CUSTOM_IDS.map((id) => id.replace("-T1", "")).sort(),
    );
  });

  it("kill -9 between the upload and batches.create, then resume: the batch is created from the journalled file, nothing uploaded twice", async () => {
    const server = await startBatchServer({ script: twoWaves, holdCreates: 1 });
    open.push(server);
    const cwd = tempDir();
    const args = [...smallGrid(3), "--batch-api", "--batch-poll", "0.05"];
    const env = { OPENAI_API_KEY: "fake-openai-key", OPENAI_BASE_URL: server.url };
    const journal = join(cwd, "results_attempts.batches.jsonl");
    const first = spawnCli(args, cwd, env);
    // The upload is done and journalled; batches.create is held by the server: the kill lands there.
    await waitFor(() => server.heldCreates.length === 1 && readUploads(journal).length === 1, 120_000);
    first.child.kill("SIGKILL");
    const killed = await first.done;
    expect(killed.signal).toBe("SIGKILL");
    expect(server.uploads).toEqual(["file-1"]);
    expect(server.batches).toHaveLength(0);
    expect(readJournal(journal)).toEqual([]);
    expect(readUploads(journal).map((u) => [u.file_id, [...u.custom_ids].sort()])).toEqual([
      ["file-1", CUSTOM_IDS.filter((id) => id.endsWith("-a1")).sort()],
    ]);

    const res = await runCli(args, cwd, env);
    expect(res.code, res.stderr).toBe(ExitCode.ok);
    expect(res.stderr).toContain("batch input file-1: uploaded before an interruption");
    // Wave 1 from the file uploaded before the kill, wave 2 from its own: two uploads in all, each item once.
    expect(server.uploads).toEqual(["file-1", "file-2"]);
    expect(server.batches.map((b) => [b.id, b.inputFileId, b.items.length])).toEqual([
      ["batch_1", "file-1", 4],
      ["batch_2", "file-2", 4],
    ]);
    for (const id of CUSTOM_IDS) expect(server.submissionsOf(id)).toBe(1);
    expect(readJournal(journal).map((e) => [e.batch_id, e.input_file_id])).toEqual([
      ["batch_1", "file-1"],
      ["batch_2", "file-2"],
    ]);
    const records = readAttemptsJsonl(join(cwd, "results_attempts.jsonl")).records;
    expect(records.map((r) => `${r.fn}-L${r.length}-a${r.attempt}`).sort()).toEqual(
      CUSTOM_IDS.map((id) => id.replace("-T1", "")).sort(),
    );
    expect(records.filter((r) => r.val_acc === 1)).toHaveLength(4);
  }, 180_000); // two CLI runs on a possibly loaded machine

  it("anthropic: kill -9 mid-batch, then resume: the same batch is polled, zero duplicate submissions, the uninterrupted run's selections", async () => {
    const env = { ANTHROPIC_API_KEY: "fake-anthropic-key" };
    const argsFor = (server: BatchServer) => [
      ...smallGrid(3),
      "--model",
      "claude-sonnet-4-5",
      "--base-url",
      server.anthropicUrl,
      "--batch-api",
      "--batch-poll",
      "0.05",
    ];

    // The reference: the same run, never interrupted, against its own server.
    const refServer = await startBatchServer({ script: twoWaves });
    open.push(refServer);
    const refCwd = tempDir();
    const ref = await runCli(argsFor(refServer), refCwd, env);
    expect(ref.code, ref.stderr).toBe(ExitCode.ok);

    let release = false;
    const server = await startBatchServer({ script: twoWaves, release: () => release });
    open.push(server);
    const cwd = tempDir();
    const args = argsFor(server);
    const journal = join(cwd, "results_attempts.batches.jsonl");
    const first = spawnCli(args, cwd, env);
    // Killed while msgbatch_1 is in progress (journalled, polled, not ended: the server holds it).
    await waitFor(
      () => server.batches.length === 1 && existsSync(journal) && server.retrieves.length >= 2,
      120_000,
    );
    first.child.kill("SIGKILL");
    const killed = await first.done;
    expect(killed.signal).toBe("SIGKILL");
    expect(server.batches.map((b) => [b.api, b.id])).toEqual([["anthropic", "msgbatch_1"]]);
    expect(readJournal(journal).map((e) => [e.provider, e.batch_id])).toEqual([["anthropic", "msgbatch_1"]]);
    expect(readAttemptsJsonl(join(cwd, "results_attempts.jsonl")).records).toHaveLength(0);
    const retrievesAtKill = server.retrieves.length;

    release = true;
    const res = await runCli(args, cwd, env);
    expect(res.code, res.stderr).toBe(ExitCode.ok);
    expect(res.stderr).toContain("batch msgbatch_1: resuming it (polling, not submitting again)");
    // The resumed run polled the journalled batch (its first retrieve is of msgbatch_1) and read its results.
    expect(server.retrieves[retrievesAtKill]).toBe("msgbatch_1");
    expect(server.resultReads).toEqual(["msgbatch_1", "msgbatch_2"]);
    // Zero duplicate submissions: two batches in all (wave 1 before the kill, wave 2 after), each item once.
    expect(server.batches.map((b) => [b.api, b.id, b.items.length])).toEqual([
      ["anthropic", "msgbatch_1", 4],
      ["anthropic", "msgbatch_2", 4],
    ]);
    for (const id of CUSTOM_IDS) expect(server.submissionsOf(id)).toBe(1);
    expect(readJournal(journal).map((e) => e.batch_id)).toEqual(["msgbatch_1", "msgbatch_2"]);

    // Complete, and what the uninterrupted run recorded and selected.
    const key = (r: { fn: string; length: number; attempt: number }) => `${r.fn}-L${r.length}-a${r.attempt}`;
    const outcome = (cwdOf: string) =>
      readAttemptsJsonl(join(cwdOf, "results_attempts.jsonl"))
        .records.map((r) => ({
          key: key(r),
          batch_id: r.meta?.batch_id,
          prompt: r.prompt,
          text: r.text,
          train_acc: r.train_acc,
          val_acc: r.val_acc,
          test_acc: r.test_acc,
          cost_usd: r.cost_usd,
        }))
        .sort((a, b) => a.key.localeCompare(b.key));
    const records = outcome(cwd);
    expect(records.map((r) => r.key)).toEqual(CUSTOM_IDS.map((id) => id.replace("-T1", "")).sort());
    expect(records).toEqual(outcome(refCwd));
    const summary = (cwdOf: string) =>
      (
        parse(readFileSync(join(cwdOf, "results_summary.csv"), "utf8"), { columns: true }) as Record<
          string,
          string
        >[]
      )
        .map(({ duration_ms: _, ...row }) => row)
        .sort((a, b) => `${a.fn}-${a.length}`.localeCompare(`${b.fn}-${b.length}`));
    const rows = summary(cwd);
    expect(rows).toHaveLength(4);
    for (const row of rows) expect(row).toMatchObject({ selected_attempt: "2", solved: "True" });
    expect(rows).toEqual(summary(refCwd));
  }, 240_000); // three CLI runs on a possibly loaded machine

  it("anthropic: batches through messages.batches with cache_control; refuses --batch-api with --background", async () => {
    const server = await startBatchServer({ script: twoWaves });
    open.push(server);
    const cwd = tempDir();
    const env = { ANTHROPIC_API_KEY: "fake-anthropic-key" };
    const base = [...smallGrid(3), "--model", "claude-sonnet-4-5", "--base-url", server.anthropicUrl];
    const res = await runCli([...base, "--batch-api", "--prompt-cache", "--batch-poll", "0.05"], cwd, env);
    expect(res.code, res.stderr).toBe(ExitCode.ok);
    expect(server.batches.map((b) => [b.api, b.items.length])).toEqual([
      ["anthropic", 4],
      ["anthropic", 4],
    ]);
    expect(server.batches[0]!.items[0]!.body).toMatchObject({
      messages: [{ content: [{ type: "text", cache_control: { type: "ephemeral" } }] }],
    });
    const records = readAttemptsJsonl(join(cwd, "results_attempts.jsonl")).records;
    // claude-sonnet-4-5 at batch rates: 1000 x 1.5 + 500 x 7.5
    for (const r of records) expect(r.cost_usd).toBeCloseTo((1000 * 1.5 + 500 * 7.5) / 1e6, 12);
    const refused = await runCli([...base, "--batch-api", "--background"], tempDir(), env);
    expect(refused.code).toBe(ExitCode.usage);
    expect(refused.stderr).toContain("--batch-api and --background");
  });
});
