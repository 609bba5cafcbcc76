import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { readAttemptsJsonl } from "../../src/artifacts/attempts-jsonl.js";
import { ExitCode } from "../../src/core/errors.js";
import { loopbackEnv, useResponsesServer } from "../helpers/loopback-cli.js";
import { runCli, tempDir } from "../helpers/spawn-cli.js";

const startServer = useResponsesServer();
const ONE_POINT = [
  "run",
  "--functions",
  "fn_a",
  "--lengths",
  "20",
  "--test-size",
  "200",
  "--concurrency",
  "1",
];

describe("spend of calls whose usage is unknown, across a resume", () => {
  it("a timed-out call is recorded with its estimate, and a resumed --max-tokens counts it", async () => {
    const server = await startServer({ script: () => ({ kind: "completed", text: "{}", delayMs: 3000 }) });
    const cwd = tempDir();
    const args = [...ONE_POINT, "--timeout", "0.3", "--max-output-tokens", "1000"];
    const first = await runCli([...args, "--attempts", "1"], cwd, loopbackEnv(server.url));
    expect(first.code, first.stderr).toBe(ExitCode.ok);
    const [timedOut] = readAttemptsJsonl(join(cwd, "results_attempts.jsonl")).records;
    expect(timedOut?.error).toMatch(/timeout/);
    expect(timedOut?.spend_estimated).toBe(true);
    const estimate = timedOut?.estimated_tokens ?? 0;
    expect(estimate).toBeGreaterThan(1000); // the prompt's estimate plus every max_output_tokens
    expect(timedOut?.usage.total_tokens).toBe(0);
    expect(timedOut?.cost_usd).toBeGreaterThan(0.01); // gpt-5: 1000 output tokens at $10/M, plus the prompt
    const csv = parse(readFileSync(join(cwd, "results_attempts.csv"), "utf8"), { columns: true }) as Record<
      string,
      string
    >[];
    expect(csv[0]?.spend_estimated).toBe("True");

    // Room for one more worst case beside a spend of 0, not beside the first call's estimate.
    const resumed = await runCli(
      [...args, "--attempts", "2", "--max-tokens", String(2 * estimate - 1)],
      cwd,
      loopbackEnv(server.url),
    );
    expect(resumed.code, resumed.stderr).toBe(ExitCode.budget);
    expect(server.calls).toHaveLength(1);
  }, 30_000);
});
