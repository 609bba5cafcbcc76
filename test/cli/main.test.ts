import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ExitCode } from "../../src/core/errors.js";
import { runCli, tempDir } from "../helpers/spawn-cli.js";

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
});
