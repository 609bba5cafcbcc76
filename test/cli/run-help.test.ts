import { describe, expect, it } from "vitest";
import { runCli, tempDir } from "../helpers/spawn-cli.js";

describe("llm-erm run --help", () => {
  it("shows every grid flag's default, three examples and the exit codes", async () => {
    const res = await runCli(["run", "--help"], tempDir(), {});
    expect(res.code).toBe(0);
    const help = res.stdout.replace(/\s+/g, " ");
    for (const flag of [
      "--train-size",
      "--val-size",
      "--test-size",
      "--seed",
      "--dataset-dir",
      "--attempts",
    ]) {
      expect(help).toMatch(new RegExp(`${flag} <\\w+> [^-]*\\(default: [^)]+\\)`));
    }
    expect(help).toContain("Examples:");
    expect(help).toContain("--shard 2/4");
    expect(help).toContain("--enable-code-interpreter --concurrency 1 --timeout 1200");
    for (const code of ["0 done", "2 bad flags", "3 a budget", "4 damaged", "130 interrupted"]) {
      expect(help).toContain(code);
    }
  });
});
