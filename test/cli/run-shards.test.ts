import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { readAttemptsJsonl } from "../../src/artifacts/attempts-jsonl.js";
import { ExitCode } from "../../src/core/errors.js";
import { loopbackEnv as env, smallGrid, useResponsesServer } from "../helpers/loopback-cli.js";
import { answer, oracleProgram, PROGRAMS } from "../helpers/programs.js";
import { runCli, tempDir } from "../helpers/spawn-cli.js";

const startServer = useResponsesServer();
const GRID = smallGrid(2);

describe("concurrency, shards and report", () => {
  it("grid points run concurrently up to --concurrency calls in flight (the Python runner: 1)", async () => {
    const server = await startServer({
      latencyMs: 300,
      script: () => ({ kind: "completed", text: answer(PROGRAMS.constantZero) }),
    });
    const wide = await runCli([...GRID, "--concurrency", "4"], tempDir(), env(server.url));
    expect(wide.code).toBe(ExitCode.ok);
    expect(server.calls).toHaveLength(8);
    expect(server.maxInFlight).toBe(4);
    // every grid point's second call overlapped with other points' calls
    expect(server.calls.filter((c) => c.overlap >= 3).length).toBeGreaterThanOrEqual(4);
    server.maxInFlight = 0;
    const narrow = await runCli([...GRID, "--concurrency", "1"], tempDir(), env(server.url));
    expect(narrow.code).toBe(ExitCode.ok);
    expect(server.maxInFlight).toBe(1);
  });

  it("--shard i/n splits the grid into disjoint files; report merges them into one CSV and summary", async () => {
    const server = await startServer({
      script: ({ prompt }) => ({
        kind: "completed",
        text: answer(oracleProgram(prompt) ?? PROGRAMS.constantZero),
      }),
    });
    const cwd = tempDir();
    const one = await runCli([...GRID, "--shard", "1/2"], cwd, env(server.url));
    const two = await runCli([...GRID, "--shard", "2/2"], cwd, env(server.url));
    expect([one.code, two.code]).toEqual([ExitCode.ok, ExitCode.ok]);
    const a = readAttemptsJsonl(join(cwd, "results_attempts.shard-1-of-2.jsonl")).records;
    const b = readAttemptsJsonl(join(cwd, "results_attempts.shard-2-of-2.jsonl")).records;
    const pts = (rs: typeof a) => [...new Set(rs.map((r) => `${r.fn}|${r.length}`))].sort();
    expect(pts(a)).toEqual(["fn_a|20", "fn_b|20"]);
    expect(pts(b)).toEqual(["fn_a|25", "fn_b|25"]);
    const rep = await runCli(["report"], cwd, {});
    expect(rep.code).toBe(ExitCode.ok);
    const summary = parse(readFileSync(join(cwd, "results_summary.csv"), "utf8"), {
      columns: true,
    }) as Record<string, string>[];
    expect(summary.map((r) => `${r.fn}|${r.length}|${r.solved}`).sort()).toEqual([
      "fn_a|20|True",
      "fn_a|25|True",
      "fn_b|20|True",
      "fn_b|25|True",
    ]);
    const merged = parse(readFileSync(join(cwd, "results_attempts.merged.csv"), "utf8"), {
      columns: true,
    }) as unknown[];
    expect(merged).toHaveLength(a.length + b.length);
    expect(rep.stdout).toContain("| fn_b | 25 | openai:gpt-5 |");
  });
});
