import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readAttemptsJsonl } from "../../src/artifacts/attempts-jsonl.js";
import { ExitCode } from "../../src/core/errors.js";
import { runCli, tempDir } from "../helpers/spawn-cli.js";

describe("--shard auto", () => {
  it("takes its shard from a SLURM array task and writes that shard's files; report merges the two", async () => {
    const cwd = tempDir();
    const args = [
      "run",
      "--functions",
      "fn_a",
      "fn_b",
      "--lengths",
      "20",
      "--test-size",
      "100",
      "--shard",
      "auto",
    ];
    for (const id of ["1", "2"]) {
      const r = await runCli(args, cwd, {
        SLURM_ARRAY_TASK_ID: id,
        SLURM_ARRAY_TASK_COUNT: "2",
        SLURM_ARRAY_TASK_MIN: "1",
      });
      expect(r.code, r.stderr).toBe(ExitCode.ok);
    }
    const one = readAttemptsJsonl(join(cwd, "results_attempts.shard-1-of-2.jsonl")).records;
    const two = readAttemptsJsonl(join(cwd, "results_attempts.shard-2-of-2.jsonl")).records;
    expect([...new Set(one.map((r) => r.fn))]).toEqual(["fn_a"]);
    expect([...new Set(two.map((r) => r.fn))]).toEqual(["fn_b"]);
    const rep = await runCli(["report"], cwd, {});
    expect(rep.code, rep.stderr).toBe(ExitCode.ok);
    expect(rep.stdout).toMatch(/fn_a/);
    expect(rep.stdout).toMatch(/fn_b/);
    expect(existsSync(join(cwd, "results_attempts.merged.csv"))).toBe(true);
  });

  it("outside an array job is a usage error that says what to give", async () => {
    const r = await runCli(
      ["run", "--functions", "fn_a", "--lengths", "20", "--shard", "auto"],
      tempDir(),
      {},
    );
    expect(r.code).toBe(ExitCode.usage);
    expect(r.stderr).toMatch(/--shard auto: not in an array job.*give --shard i\/n/);
  });
});
