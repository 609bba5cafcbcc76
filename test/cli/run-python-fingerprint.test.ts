import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readAttemptsJsonl } from "../../src/artifacts/attempts-jsonl.js";
import { ExitCode } from "../../src/core/errors.js";
import { DEFAULT_ENUMERATION_BUDGET } from "../../src/enumerate/enumerative-proposer.js";
import { runFingerprint } from "../../src/runner/fingerprint.js";
import { runCli, tempDir } from "../helpers/spawn-cli.js";

// The enumerator (no key): one attempt per grid point, a small test split.
const ARGS = ["run", "--functions", "fn_a", "--lengths", "20", "--attempts", "1", "--test-size", "200"];

describe("--python is part of the run's identity", () => {
  it("a resume with another interpreter starts a separate run; the same interpreter, however named, resumes", async () => {
    const cwd = tempDir();
    // Another interpreter: a venv (its own sys.executable and site-packages) of the same python3.
    const venv = join(cwd, "venv");
    execFileSync("python3", ["-m", "venv", "--without-pip", venv]);
    const jsonl = join(cwd, "results_attempts.jsonl");

    const first = await runCli(ARGS, cwd, {});
    expect(first.code, first.stderr).toBe(ExitCode.ok);
    expect(first.stderr).toMatch(/1 new calls, 1 attempts on record/);

    const other = await runCli([...ARGS, "--python", join(venv, "bin", "python")], cwd, {});
    expect(other.code, other.stderr).toBe(ExitCode.ok);
    // Not "already done": the venv's attempts are its own, asked again and recorded beside the first.
    expect(other.stderr).toMatch(/1 new calls, 1 attempts on record/);
    const records = readAttemptsJsonl(jsonl).records;
    expect(records).toHaveLength(2);
    expect(new Set(records.map((r) => r.config_fingerprint)).size).toBe(2);

    // The identity is the resolved interpreter, not the flag's text: python3 on PATH is /usr/bin/python3
    // (or wherever it lives), so naming it by its full path resumes the first run.
    const resolved = execFileSync("python3", ["-I", "-c", "import sys; print(sys.executable)"], {
      encoding: "utf8",
    }).trim();
    const same = await runCli([...ARGS, "--python", resolved], cwd, {});
    expect(same.code, same.stderr).toBe(ExitCode.ok);
    expect(same.stderr).toMatch(/0 new calls, 1 attempts on record/);
    const again = await runCli([...ARGS, "--python", join(venv, "bin", "python")], cwd, {});
    expect(again.stderr).toMatch(/0 new calls, 1 attempts on record/);
    expect(readAttemptsJsonl(jsonl).records).toHaveLength(2);
  }, 60_000);

  it("attempts fingerprinted by an earlier llm-erm (no interpreter) are not reused, and stderr says so", async () => {
    const cwd = tempDir();
    const jsonl = join(cwd, "results_attempts.jsonl");
    const first = await runCli(ARGS, cwd, {});
    expect(first.code, first.stderr).toBe(ExitCode.ok);
    // Rewrite the record as the previous version fingerprinted it: the same config without `python`.
    const { proposals: _p, ...budget } = DEFAULT_ENUMERATION_BUDGET;
    const legacy = runFingerprint({
      proposer: "enumerative",
      budget,
      data: { train: 100, val: 100, test: 200, seed: 42 },
    });
    const [record] = readAttemptsJsonl(jsonl).records;
    writeFileSync(jsonl, `${JSON.stringify({ ...record, config_fingerprint: legacy })}\n`);
    const resumed = await runCli(ARGS, cwd, {});
    expect(resumed.code, resumed.stderr).toBe(ExitCode.ok);
    expect(resumed.stderr).toMatch(
      /1 attempt\(s\) of this config were recorded by an earlier llm-erm whose fingerprint did not include the interpreter: not reused/,
    );
    expect(resumed.stderr).toMatch(/1 new calls, 1 attempts on record/);
    expect(readFileSync(jsonl, "utf8").split("\n").filter(Boolean)).toHaveLength(2);
  }, 60_000);
});
