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

  it("goes on without stdout when its reader goes away (`| head`), and keeps its own exit code", async () => {
    const cwd = tempDir();
    const grid = ["--functions", "fn_a", "--lengths", "20", "30"];
    const sizes = ["--train-size", "2", "--val-size", "2", "--test-size", "2", "--dataset-dir", "d"];
    const build = spawnCli(["datasets", "build", ...grid.slice(0, 4), ...sizes], cwd);
    build.child.stdout?.destroy(); // the pipe has no reader left: the table's write fails with EPIPE
    const built = await build.done;
    expect(built.stderr).not.toMatch(/EPIPE|Error/);
    expect(built.code).toBe(ExitCode.ok);
    expect(existsSync(join(cwd, "d", "parity_all", "L20"))).toBe(true);
    // verify writes a line per dataset: the first write fails, the rest of the work still happens and
    // the exit code still says a dataset (L=30) is missing
    const verify = spawnCli(["datasets", "verify", ...grid, ...sizes], cwd);
    verify.child.stdout?.destroy();
    const checked = await verify.done;
    expect(checked.stderr).not.toMatch(/EPIPE|Error/);
    expect(checked.stderr).toMatch(/1 dataset\(s\) not built yet/);
    expect(checked.code).toBe(ExitCode.failure);
  });
});
