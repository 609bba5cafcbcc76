import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ExitCode } from "../../src/core/errors.js";
import { runCli, spawnCli, tempDir } from "../helpers/spawn-cli.js";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

describe("llm-erm (top level)", () => {
  it("--version prints the package version; an unknown option is a usage error", async () => {
    const cwd = tempDir();
    const version = await runCli(["--version"], cwd);
    expect(version.code).toBe(ExitCode.ok);
    expect(version.stdout.trim()).toBe(pkg.version);

    const bogus = await runCli(["--bogus"], cwd);
    expect(bogus.code).toBe(ExitCode.usage);
    expect(bogus.stderr).toMatch(/unknown option '--bogus'/);
  });

  it("--help lists every command", async () => {
    const help = await runCli(["--help"], tempDir());
    expect(help.code).toBe(ExitCode.ok);
    for (const command of ["run", "datasets", "verify", "report"]) {
      expect(help.stdout).toMatch(new RegExp(`^  ${command}\\b`, "m"));
    }
  });

  it("stops quietly when the reader of stdout goes away (`| head`), with the work already done", async () => {
    const cwd = tempDir();
    const args = ["datasets", "build", "--functions", "fn_a", "--lengths", "20"];
    const sizes = ["--train-size", "2", "--val-size", "2", "--test-size", "2", "--dataset-dir", "d"];
    const run = spawnCli([...args, ...sizes], cwd);
    run.child.stdout?.destroy(); // the pipe has no reader left: the table's write fails with EPIPE
    const r = await run.done;
    expect(r.stderr).not.toMatch(/EPIPE|Error/);
    expect(r.code).toBe(ExitCode.ok);
    expect(r.stderr).toMatch(/fn_a L=20 built/);
    expect(existsSync(join(cwd, "d", "parity_all", "L20"))).toBe(true);
  });
});
