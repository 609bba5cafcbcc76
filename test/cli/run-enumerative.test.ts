import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readAttemptsJsonl } from "../../src/artifacts/attempts-jsonl.js";
import { ExitCode } from "../../src/core/errors.js";
import { SUMMARY_KEYS, summaryProblems } from "../helpers/sandbox-line.js";
import { BROKEN_TASK_ENTRY, runCli, tempDir } from "../helpers/spawn-cli.js";

describe("llm-erm run without a key (the built-in enumerator)", () => {
  it("announces the enumerator and the sandbox in one line each, solves parity, logs protections once", async () => {
    const cwd = tempDir();
    const res = await runCli(
      ["run", "--functions", "fn_a", "--lengths", "20", "--test-size", "200"],
      cwd,
      {},
    );
    expect(res.code, res.stderr).toBe(ExitCode.ok);
    const lines = res.stderr.split("\n");
    expect(lines.filter((l) => l.includes("provider: enumerative"))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith("llm-erm: sandbox: "))).toHaveLength(1);
    expect(lines).toContainEqual(
      expect.stringMatching(/^llm-erm: datasets ready in datasets: 1 generated, 0 reused \(/),
    );
    const records = readAttemptsJsonl(join(cwd, "results_attempts.jsonl")).records;
    expect(records[0]).toMatchObject({ attempt: 1, proposer: "enumerative", val_acc: 1 });
    const log = readFileSync(join(cwd, "runner.log"), "utf8");
    expect(log.split("\n").filter((l) => l.includes("protections"))).toHaveLength(1);
    // The stderr line says what the logged event says, protection by protection.
    const event = log
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, boolean | string>)
      .find((e) => e.event === "sandbox_protections");
    const line = lines.find((l) => l.startsWith("llm-erm: sandbox: "))!.slice("llm-erm: ".length);
    for (const key of SUMMARY_KEYS) expect(typeof event?.[key], key).toBe("boolean");
    expect(summaryProblems(line, event ?? {})).toEqual([]);
  });

  it("--batch draws distinct ranked candidates at once (no duplicates, ranks follow attempts)", async () => {
    const cwd = tempDir();
    const args = ["run", "--functions", "fn_f", "--lengths", "20", "--attempts", "3", "--batch", "3"];
    const res = await runCli([...args, "--test-size", "200"], cwd, {});
    expect(res.code, res.stderr).toBe(ExitCode.ok);
    const records = readAttemptsJsonl(join(cwd, "results_attempts.jsonl")).records;
    const byAttempt = [...records].sort((a, b) => a.attempt - b.attempt);
    expect(byAttempt.map((r) => [r.attempt, (r.meta as { rank: number }).rank])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    expect(new Set(records.map((r) => r.text)).size).toBe(3);
  });

  it("--attempts above the default 5 gets that many ranked candidates", async () => {
    const cwd = tempDir();
    const args = ["run", "--functions", "fn_f", "--lengths", "20", "--attempts", "7", "--test-size", "200"];
    const res = await runCli(args, cwd, {});
    expect(res.code, res.stderr).toBe(ExitCode.ok);
    const records = readAttemptsJsonl(join(cwd, "results_attempts.jsonl")).records;
    expect(records.map((r) => (r.meta as { rank: number }).rank)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("--enum-max-size bounds the search; a different budget never resumes the other's attempts", async () => {
    const cwd = tempDir();
    const base = ["run", "--functions", "fn_a", "--lengths", "20", "--attempts", "2", "--test-size", "200"];
    // Parity of the whole string needs size 3 (`x.count('1') % 2`): at size 2 it cannot be found.
    const small = await runCli([...base, "--enum-max-size", "2"], cwd, {});
    expect(small.code, small.stderr).toBe(ExitCode.ok);
    const first = readAttemptsJsonl(join(cwd, "results_attempts.jsonl")).records;
    expect(first).toHaveLength(2);
    for (const r of first) {
      expect(r.meta).toMatchObject({ largest_size_finished: 2 });
      expect(r.val_acc).toBeLessThan(1);
    }
    // The default budget is another baseline: it searches afresh and solves at attempt 1.
    const full = await runCli(base, cwd, {});
    expect(full.code, full.stderr).toBe(ExitCode.ok);
    const all = readAttemptsJsonl(join(cwd, "results_attempts.jsonl")).records;
    expect(all).toHaveLength(3);
    expect(all[2]).toMatchObject({ attempt: 1, val_acc: 1 });
    expect(all[2]!.config_fingerprint).not.toBe(first[0]!.config_fingerprint);

    const bad = await runCli([...base, "--enum-max-size", "0"], cwd, {});
    expect(bad.code).toBe(ExitCode.usage);
    expect(bad.stderr).toMatch(/--enum-max-size: expected an integer >= 1, got '0'/);
  });

  it("100/100 then 150/50 share a dataset directory: the second run regenerates it (logged), never exit 4", async () => {
    const cwd = tempDir();
    const base = ["run", "--functions", "fn_a", "--lengths", "20", "--attempts", "1", "--test-size", "200"];
    const first = await runCli(base, cwd, {});
    expect(first.code, first.stderr).toBe(ExitCode.ok);
    const second = await runCli([...base, "--train-size", "150", "--val-size", "50"], cwd, {});
    expect(second.code, second.stderr).toBe(ExitCode.ok);
    expect(second.stderr).toMatch(
      /datasets ready in datasets: 0 generated, 0 reused, 1 regenerated for these/,
    );
    const events = readFileSync(join(cwd, "runner.log"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((e) => e.event === "dataset_regenerated");
    expect(events).toEqual([
      expect.objectContaining({
        fn: "fn_a",
        length: 20,
        sizes: { train: 150, val: 50, test: 200 },
        previous_sizes: { train: 100, val: 100, test: 200 },
        msg: "dataset regenerated: its directory held a valid dataset of other split sizes",
      }),
    ]);
    const [record] = readAttemptsJsonl(join(cwd, "results_attempts.jsonl")).records.slice(-1);
    expect(record!.prompt.split("\n").filter((l) => / -> [01]$/.test(l))).toHaveLength(150);

    // A damaged dataset stays damaged (exit 4), whatever sizes are asked.
    const l20 = join(cwd, "datasets", "parity_all", "L20");
    const train = join(l20, readdirSync(l20)[0]!, "train.txt");
    writeFileSync(train, readFileSync(train, "utf8").replace(/-> 0\n/, "-> 1\n"));
    const third = await runCli(base, cwd, {});
    expect(third.code).toBe(ExitCode.damaged);
    expect(third.stderr).toMatch(/damaged dataset .*train\.txt: SHA-256 differs/);
  });

  it("--lengths 30 without --functions skips the tasks that cannot take it, in one line; naming fn_h is exit 2", async () => {
    const cwd = tempDir();
    const skipped =
      /^llm-erm: --lengths: skipped fn_h \(dyck2\) at L=30 \(.*multiple of 4.*\); name the tasks with --functions to make this an error$/m;
    // shard 1/11 of the 11 tasks left: fn_a alone runs
    const res = await runCli(
      ["run", "--lengths", "30", "--shard", "1/11", "--attempts", "1", "--test-size", "100"],
      cwd,
      {},
    );
    expect(res.code, res.stderr).toBe(ExitCode.ok);
    expect(res.stderr.match(new RegExp(skipped.source, "gm"))).toHaveLength(1);
    const log = readFileSync(join(cwd, "runner.shard-1-of-11.log"), "utf8");
    const started = log
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(started.find((e) => e.msg === "run started")?.points).toEqual(["fn_a|L=30"]);
    expect(started.filter((e) => e.event === "grid_points_skipped")).toEqual([
      expect.objectContaining({
        skipped: [expect.objectContaining({ fn: "fn_h", length: 30 })],
        msg: expect.stringMatching(/^--lengths: skipped fn_h \(dyck2\) at L=30 /),
      }),
    ]);
    // the dry run shows the other eleven and says the same
    const dry = await runCli(["run", "--lengths", "30", "--dry-run", "--test-size", "20"], cwd, {});
    expect(dry.code, dry.stderr).toBe(ExitCode.ok);
    expect(dry.stderr).toMatch(skipped);
    const heads = dry.stdout.split("\n").filter((l) => l.startsWith("=== "));
    expect(heads).toHaveLength(11);
    expect(heads.join("\n")).not.toContain("fn_h");
    // naming fn_h with a length it cannot have stays an error
    const named = await runCli(["run", "--functions", "fn_h", "fn_a", "--lengths", "30"], cwd, {});
    expect(named.code).toBe(ExitCode.usage);
    expect(named.stderr).toMatch(/^llm-erm: --lengths: fn_h \(dyck2\) cannot have L=30: /m);
  });

  it("a task whose dataset generation fails: one clear line, exit 1, no stack (run, dry run, datasets build)", async () => {
    const cwd = tempDir();
    const grid = ["--functions", "fn_broken", "--lengths", "8", "--test-size", "20"];
    const clear =
      /^llm-erm: cannot generate the dataset of fn_broken L=8 \(train 100, val 100, test 20, seed 42\): TypeError: Cannot read properties of undefined \(reading 'length'\)$/m;
    const entry = { entry: BROKEN_TASK_ENTRY };
    for (const args of [
      ["run", ...grid],
      ["run", ...grid, "--dry-run"],
      ["datasets", "build", ...grid],
    ]) {
      const res = await runCli(args, cwd, {}, entry);
      expect(res.code, `${args.join(" ")}\n${res.stderr}`).toBe(ExitCode.failure);
      expect(res.stderr).toMatch(clear);
      expect(res.stderr).not.toMatch(/^\s+at /m);
    }
    // runner.log keeps the details, the cause's stack included
    const failed = readFileSync(join(cwd, "runner.log"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((e) => e.msg === "dataset generation failed");
    expect(failed).toEqual([
      expect.objectContaining({
        fn: "fn_broken",
        length: 8,
        error: expect.stringMatching(/^cannot generate the dataset of fn_broken L=8 /),
        cause_stack: expect.stringMatching(/TypeError: Cannot read properties[\s\S]*\n\s+at /),
      }),
    ]);
    expect(existsSync(join(cwd, "datasets", "broken_sampler"))).toBe(false);
  });

  it("an --out-dir that cannot be created is a usage error naming the flag, before anything runs", async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "afile"), "");
    const res = await runCli(["run", "--functions", "fn_a", "--out-dir", join(cwd, "afile", "x")], cwd, {});
    expect(res.code).toBe(ExitCode.usage);
    expect(res.stderr).toMatch(/^llm-erm: --out-dir: cannot write artifacts in .*afile\/x \(ENOTDIR\)$/m);
    expect(res.stderr).not.toContain("provider:");
    expect(res.stderr).not.toContain("    at ");
  });
});
