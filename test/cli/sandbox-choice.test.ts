// Fail closed: without bubblewrap, `run` refuses (exit 2, saying what to install); a weaker tier runs only
// when named, and says what it gives up.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runDoctor } from "../../src/cli/doctor-command.js";
import { ExitCode } from "../../src/core/errors.js";
import { runCli, tempDir } from "../helpers/spawn-cli.js";

/** A PATH on which bwrap cannot be found (the CLI itself runs from process.execPath). */
const NO_BWRAP = { PATH: "/nonexistent-llm-erm-bin" };
const PY = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
const tiny = [
  "run",
  "--functions",
  "fn_a",
  "--lengths",
  "20",
  "--test-size",
  "50",
  "--attempts",
  "1",
  "--python",
  PY,
];

describe("--sandbox", () => {
  it("auto without bubblewrap refuses with exit 2, says what to install, and writes no attempt", async () => {
    const cwd = tempDir();
    const res = await runCli(tiny, cwd, NO_BWRAP);
    expect(res.code, res.stderr).toBe(ExitCode.usage);
    expect(res.stderr).toMatch(/--sandbox auto: no bubblewrap sandbox/);
    expect(res.stderr).toMatch(/apt-get install bubblewrap/);
    expect(res.stderr).toMatch(/--sandbox unshare\|rlimits/);
    const jsonl = join(cwd, "results_attempts.jsonl");
    expect(existsSync(jsonl) ? readFileSync(jsonl, "utf8") : "").toBe("");
  });

  it("rlimits, named, runs without bubblewrap and warns what it gives up", async () => {
    const cwd = tempDir();
    const res = await runCli([...tiny, "--sandbox", "rlimits"], cwd, NO_BWRAP);
    expect(res.code, res.stderr).toBe(ExitCode.ok);
    expect(res.stderr).toMatch(/--sandbox rlimits: no isolation/);
    const log = readFileSync(join(cwd, "runner.log"), "utf8");
    expect(log).toMatch(/"event":"sandbox_warning"/);
    expect(log).toMatch(/"mode":"rlimits"/);
  });

  it("an unknown tier is a usage error naming the choices", async () => {
    const res = await runCli([...tiny, "--sandbox", "docker"], tempDir(), {});
    expect(res.code).toBe(ExitCode.usage);
    expect(res.stderr).toMatch(/auto, bubblewrap, unshare, rlimits/);
  });
});

describe("llm-erm doctor", () => {
  it("passes every check on a machine like CI's and prints a table", async () => {
    const dir = mkdtempSync(join(tmpdir(), "llm-erm-doctor-"));
    try {
      const res = await runCli(["doctor", "--dataset-dir", join(dir, "datasets")], dir, {});
      expect(res.code, res.stdout + res.stderr).toBe(ExitCode.ok);
      expect(res.stdout).toMatch(/^uid seen from outside +ok +65534/m);
      expect(res.stdout).toMatch(/^\/proc\/sys read-only +ok/m);
      expect(res.stdout).toMatch(/^cgroup limits +(ok|fail)/m);
      expect(res.stdout).toMatch(/a run here would be safe and work \(exit 0\)/);
      // The dataset dir the doctor had to create for its check is gone again.
      expect(existsSync(join(dir, "datasets"))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("fails (exit 1) without bubblewrap, on a broken --python, and on a key whose server does not answer; never prints the key", async () => {
    const dir = mkdtempSync(join(tmpdir(), "llm-erm-doctor-"));
    try {
      const noBwrap = await runCli(["doctor", "--python", PY], dir, NO_BWRAP);
      expect(noBwrap.code).toBe(ExitCode.failure);
      expect(noBwrap.stdout).toMatch(/^sandbox tier +fail +--sandbox auto: no bubblewrap/m);
      const checks = await runDoctor({
        python: "/nonexistent/python3",
        sandbox: "auto",
        datasetDir: join(dir, "d"),
        model: "gpt-5",
        apiKey: "fake-doctor-key-123",
        baseURL: "http://127.0.0.1:9/v1",
      });
      const by = Object.fromEntries(checks.map((c) => [c.check, c]));
      expect(by.python?.status).toBe("fail");
      expect(by.provider?.status).toBe("fail");
      expect(by.OPENAI_API_KEY?.detail).toBe("set (not printed)");
      expect(JSON.stringify(checks)).not.toContain("fake-doctor-key-123");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
