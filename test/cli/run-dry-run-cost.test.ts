import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ExitCode } from "../../src/core/errors.js";
import { runCli, tempDir } from "../helpers/spawn-cli.js";

/** The prompts a dry run printed, in order. */
const promptsOf = (stdout: string): string[] =>
  stdout
    .split(/^=== /m)
    .filter((b) => b.includes("===\n"))
    .map((b) => b.slice(b.indexOf("\n") + 1).replace(/\n\n$/, ""));

describe("run --dry-run prints the grid's estimated cost before anything is spent", () => {
  it("upper bound at the chosen options (batch + cache) beside standard rates, on stderr, calling nothing", async () => {
    const cwd = tempDir();
    const args = [
      "run",
      "--dry-run",
      "--functions",
      "fn_a",
      "fn_b",
      "--lengths",
      "20",
      "--attempts",
      "5",
      "--test-size",
      "100",
    ];
    // A key but a base URL nobody listens on: a call would fail the run.
    const env = { OPENAI_API_KEY: "fake-openai-key", OPENAI_BASE_URL: "http://127.0.0.1:9/v1" };
    const res = await runCli([...args, "--batch-api", "--prompt-cache"], cwd, env);
    expect(res.code, res.stderr).toBe(ExitCode.ok);
    const tokens = promptsOf(res.stdout).map((p) => Math.ceil(p.length / 2));
    expect(tokens).toHaveLength(2);
    // gpt-5, 20000 output tokens x 5 attempts per grid point; batch: half of 1.25 / 0.125 / 10.
    const standard = tokens.reduce((a, t) => a + 5 * (t * 1.25 + 20000 * 10), 0) / 1e6;
    const chosen = tokens.reduce((a, t) => a + t * 0.625 + 4 * t * 0.0625 + 5 * 20000 * 5, 0) / 1e6;
    expect(res.stderr).toContain(
      `estimated cost, upper bound (2 grid point(s) x 5 attempt(s), 20000 output tokens each, gpt-5): $${chosen.toFixed(2)} at batch rates with the prompt cache`,
    );
    expect(res.stderr).toContain(`at standard rates without the prompt cache: $${standard.toFixed(2)}`);
    expect(res.stderr).toContain(`${5 * tokens.reduce((a, t) => a + t, 0)} input tokens (estimated`);

    // with --prompt-template the estimate is of the template's prompts, as printed
    writeFileSync(join(cwd, "short.txt"), "Find f.\n{examples}");
    const templated = await runCli([...args, "--prompt-template", "short.txt"], cwd, env);
    expect(templated.code, templated.stderr).toBe(ExitCode.ok);
    const short = promptsOf(templated.stdout).map((p) => Math.ceil(p.length / 2));
    expect(short[0]).toBeLessThan(tokens[0]!);
    expect(templated.stderr).toContain(`${5 * short.reduce((a, t) => a + t, 0)} input tokens (estimated`);

    const unknown = await runCli([...args, "--model", "my-local-model"], cwd, env);
    expect(unknown.stderr).toContain(
      "no price known for --model my-local-model; give one with --prices FILE",
    );
  });
});
