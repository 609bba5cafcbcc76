import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { readAttemptsJsonl } from "../../src/artifacts/attempts-jsonl.js";
import { readGridOptions } from "../../src/cli/grid-options.js";
import { ExitCode } from "../../src/core/errors.js";
import { derivedSeed } from "../../src/dataset/spec.js";
import { readRunSettings } from "../../src/runner/run-config.js";
import { useResponsesServer } from "../helpers/loopback-cli.js";
import { answer, PROGRAMS } from "../helpers/programs.js";
import { runCli, tempDir } from "../helpers/spawn-cli.js";

const startServer = useResponsesServer();
afterEach(() => {
  vi.unstubAllEnvs();
});

/**
 * Every environment variable the README lists (the paper runner's names), with a value other than its
 * default and where that value must show up once parsed: the run settings or the grid options.
 */
const PARSED: Record<string, { value: string; where: "settings" | "grid"; field: string; want: unknown }> = {
  OPENAI_MODEL: { value: "gpt-5-mini", where: "settings", field: "model", want: "gpt-5-mini" },
  MAX_OUTPUT_TOKENS: { value: "1234", where: "settings", field: "maxOutputTokens", want: 1234 },
  REASONING_EFFORT: { value: "low", where: "settings", field: "reasoningEffort", want: "low" },
  TEXT_VERBOSITY: { value: "high", where: "settings", field: "verbosity", want: "high" },
  TOOL_CHOICE: { value: "none", where: "settings", field: "toolChoice", want: "none" },
  ENABLE_CODE_INTERPRETER: { value: "1", where: "settings", field: "codeInterpreter", want: true },
  DRY_RUN: { value: "1", where: "settings", field: "dryRun", want: true },
  CONCURRENCY: { value: "3", where: "settings", field: "concurrency", want: 3 },
  PER_CALL_TIMEOUT_S: { value: "2.5", where: "settings", field: "timeoutS", want: 2.5 },
  ATTEMPTS: { value: "2", where: "settings", field: "attempts", want: 2 },
  TRAIN_SIZE: { value: "20", where: "grid", field: "trainSize", want: 20 },
  VAL_SIZE: { value: "10", where: "grid", field: "valSize", want: 10 },
  TEST_SIZE: { value: "30", where: "grid", field: "testSize", want: 30 },
  GLOBAL_SEED: { value: "5", where: "grid", field: "seed", want: 5 },
  DATASET_DIR: { value: "mydata", where: "grid", field: "datasetDir", want: "mydata" },
  // Read by the run command itself (artifact paths), shown through the CLI below.
  OUT_JSONL: { value: "out/a.jsonl", where: "settings", field: "", want: undefined },
  OUT_CSV: { value: "out/a.csv", where: "settings", field: "", want: undefined },
  LOG_LEVEL: { value: "warn", where: "settings", field: "logLevel", want: "warn" },
};

const parsed = (where: "settings" | "grid"): Record<string, unknown> =>
  where === "settings" ? readRunSettings({}, true, process.env).settings : readGridOptions({});

describe("the environment variables the README lists", () => {
  it("are exactly the ones tested here", () => {
    const readme = readFileSync(fileURLToPath(new URL("../../README.md", import.meta.url)), "utf8");
    const list = /Environment variables as the paper's runner: `([^`]+)`/.exec(readme.replace(/\n\s*/g, " "));
    expect(list).not.toBeNull();
    const names = list![1]!.split(/,\s*/).map((n) => n.trim());
    expect([...names].sort()).toEqual(Object.keys(PARSED).sort());
  });

  it.each(Object.entries(PARSED).filter(([, p]) => p.field !== ""))(
    "%s changes its setting, and the flag still wins over it",
    (name, p) => {
      const before = parsed(p.where)[p.field];
      expect(before).not.toEqual(p.want);
      vi.stubEnv(name, p.value);
      expect(parsed(p.where)[p.field]).toEqual(p.want);
      // a flag beats the variable (DRY_RUN and ENABLE_CODE_INTERPRETER are switches: nothing to beat)
      if (typeof p.want !== "boolean") {
        const flag = p.field === "timeoutS" ? "timeout" : p.field;
        const opts = { [flag]: before };
        const winner =
          p.where === "settings" ? readRunSettings(opts, true, process.env).settings : readGridOptions(opts);
        expect((winner as Record<string, unknown>)[p.field]).toEqual(before);
      }
    },
  );

  it("take effect in a real run: the request, the grid, the data, the artifacts and the log", async () => {
    // 200 ms per call, so the two grid points' calls would overlap with more than one in flight; from
    // `slowFrom` on, calls take 2.5 s (longer than PER_CALL_TIMEOUT_S below)
    let slowFrom = Number.POSITIVE_INFINITY;
    const server = await startServer({
      script: ({ index }) => ({
        kind: "completed",
        text: answer(PROGRAMS.constantZero),
        delayMs: index >= slowFrom ? 2500 : 200,
      }),
    });
    const cwd = tempDir();
    const env: Record<string, string> = {
      OPENAI_API_KEY: "fake-openai-key",
      OPENAI_BASE_URL: server.url,
      ...Object.fromEntries(Object.entries(PARSED).map(([k, p]) => [k, p.value])),
      CONCURRENCY: "1",
      DRY_RUN: "0",
    };
    const res = await runCli(["run", "--functions", "fn_a", "fn_b", "--lengths", "20"], cwd, env);
    expect(res.code, res.stderr).toBe(ExitCode.ok);

    // OPENAI_MODEL, MAX_OUTPUT_TOKENS, REASONING_EFFORT, TEXT_VERBOSITY, TOOL_CHOICE, ENABLE_CODE_INTERPRETER
    for (const call of server.calls) {
      expect(call.body).toMatchObject({
        model: "gpt-5-mini",
        max_output_tokens: 1234,
        reasoning: { effort: "low" },
        text: { verbosity: "high" },
        tool_choice: "none",
        tools: [{ type: "code_interpreter", container: { type: "auto" } }],
      });
    }
    // ATTEMPTS=2 on two grid points that never validate; CONCURRENCY=1: one call at a time
    expect(server.calls).toHaveLength(4);
    expect(server.maxInFlight).toBe(1);
    // OUT_JSONL, OUT_CSV (runner.log goes beside the JSONL)
    expect(existsSync(join(cwd, "out", "a.csv"))).toBe(true);
    const records = readAttemptsJsonl(join(cwd, "out", "a.jsonl")).records;
    expect(records.map((r) => `${r.fn}/${r.attempt}`).sort()).toEqual([
      "fn_a/1",
      "fn_a/2",
      "fn_b/1",
      "fn_b/2",
    ]);
    // TRAIN_SIZE, VAL_SIZE, TEST_SIZE, GLOBAL_SEED, DATASET_DIR
    const spec = { fn: "fn_a", length: 20, trainSize: 20, valSize: 10, testSize: 30, seed: 5 };
    const dataset = join(cwd, "mydata", "parity_all", "L20", `seed${derivedSeed(spec)}`);
    expect(JSON.parse(readFileSync(join(dataset, "meta.json"), "utf8")).sizes).toEqual({
      train: 20,
      val: 10,
      test: 30,
    });
    expect(readdirSync(cwd).sort()).toEqual(["mydata", "out"]);
    expect(records[0]!.prompt.split("\n").filter((l) => / -> [01]$/.test(l))).toHaveLength(20);
    // LOG_LEVEL=warn: no info lines (no "run started"), only warnings and errors
    const log = readFileSync(join(cwd, "out", "runner.log"), "utf8")
      .split("\n")
      .filter(Boolean);
    expect(log.every((l) => (JSON.parse(l) as { level: number }).level >= 40)).toBe(true);
    expect(log.join("\n")).not.toContain("run started");

    // DRY_RUN=1: the prompts, no call, no artifact
    const dry = await runCli(["run", "--functions", "fn_c", "--lengths", "20"], cwd, {
      ...env,
      DRY_RUN: "1",
    });
    expect(dry.code, dry.stderr).toBe(ExitCode.ok);
    expect(dry.stdout).toMatch(
      /^=== fn_c \(patternmatch1\) L=20: dataset mydata\/patternmatch1\/L20\/seed\d+ \(built\) ===$/m,
    );
    expect(server.calls).toHaveLength(4);
    expect(readdirSync(join(cwd, "out")).sort()).toEqual([
      "a.csv",
      "a.jsonl",
      "a.run_manifest.json",
      "results_summary.csv",
      "results_summary.json",
      "runner.log",
    ]);

    // PER_CALL_TIMEOUT_S=1: a 2.5 s call is given up and recorded as such
    slowFrom = server.calls.length;
    const slow = await runCli(["run", "--functions", "fn_c", "--lengths", "20"], cwd, {
      ...env,
      ATTEMPTS: "1",
      PER_CALL_TIMEOUT_S: "1",
    });
    expect(slow.code, slow.stderr).toBe(ExitCode.ok);
    const timedOut = readAttemptsJsonl(join(cwd, "out", "a.jsonl")).records.filter((r) => r.fn === "fn_c");
    expect(timedOut.map((r) => [r.outcome, r.error])).toEqual([
      ["call_error", "timeout: the call exceeded --timeout"],
    ]);
    expect(timedOut[0]!.duration_ms).toBeLessThan(2400);
  });
});
