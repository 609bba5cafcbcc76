import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readAttemptsJsonl } from "../../src/artifacts/attempts-jsonl.js";
import { ExitCode } from "../../src/core/errors.js";
import { runCli, tempDir } from "../helpers/spawn-cli.js";

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
