import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ATTEMPT_RECORD_SCHEMA_VERSION } from "../../src/artifacts/attempt-record.js";
import { readAttemptsJsonl } from "../../src/artifacts/attempts-jsonl.js";
import { ExitCode } from "../../src/core/errors.js";
import { type RunManifest, readRunManifest } from "../../src/runner/run-manifest.js";
import { loopbackEnv, useResponsesServer } from "../helpers/loopback-cli.js";
import { answer, PROGRAMS } from "../helpers/programs.js";
import { runCli, tempDir } from "../helpers/spawn-cli.js";

const startServer = useResponsesServer();
const repo = (file: string) => join(import.meta.dirname, "..", "..", file);
const versionOf = (file: string) => (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
const manifestIn = (dir: string, name = "run_manifest.json"): RunManifest => {
  const m = readRunManifest(join(dir, name));
  if (!m) throw new Error(`no ${name} in ${dir}`);
  return m;
};
// Faster: both solved at attempt 1.
const FAST = [
  "run",
  "--functions",
  "fn_a",
  "fn_b",
  "--lengths",
  "20",
  "--attempts",
  "1",
  "--test-size",
  "200",
];
const ONE = ["run", "--functions", "fn_a", "--lengths", "20", "--attempts", "1", "--test-size", "200"];
// The enumerator (no key), small: fn_a is solved at attempt 1, fn_f uses both attempts (~6 s).
const ENUM = [
  "run",
  "--functions",
  "fn_a",
  "fn_f",
  "--lengths",
  "20",
  "--attempts",
  "2",
  "--test-size",
  "200",
];

describe("run_manifest.json", () => {
  it("a run writes it beside its JSONL: every setting, the fingerprint, versions, sandbox, dataset hashes; never the key", async () => {
    const server = await startServer({
      script: () => ({ kind: "completed", text: answer(PROGRAMS.parity) }),
    });
    const cwd = tempDir();
    const key = "fake-manifest-key-4242";
    const res = await runCli(
      [
        "run",
        "--functions",
        "fn_a",
        "--lengths",
        "20",
        "--attempts",
        "2",
        "--test-size",
        "200",
        "--max-cost-usd",
        "3",
      ],
      cwd,
      { ...loopbackEnv(server.url), OPENAI_API_KEY: key },
    );
    expect(res.code, res.stderr).toBe(ExitCode.ok);
    const text = readFileSync(join(cwd, "run_manifest.json"), "utf8");
    expect(text).not.toContain(key);
    expect(text).not.toContain("SECRET");
    const manifest = manifestIn(cwd);
    expect(manifest).toMatchObject({ schema_version: 1, tool: "llm-erm", jsonl: "results_attempts.jsonl" });
    expect(manifest.sessions).toHaveLength(1);
    const s = manifest.sessions[0]!;
    const records = readAttemptsJsonl(join(cwd, "results_attempts.jsonl")).records;
    expect(records).toHaveLength(1); // solved at attempt 1
    expect(records[0]!.schema_version).toBe(ATTEMPT_RECORD_SCHEMA_VERSION);
    expect(s.fingerprint).toBe(records[0]!.config_fingerprint);
    expect(s.proposer).toBe("openai:gpt-5");
    expect(s.argv).toEqual([
      "run",
      "--functions",
      "fn_a",
      "--lengths",
      "20",
      "--attempts",
      "2",
      "--test-size",
      "200",
      "--max-cost-usd",
      "3",
    ]);
    expect(s.data).toEqual({ train: 100, val: 100, test: 200, seed: 42 });
    expect(s.config.settings).toMatchObject({
      provider: "openai",
      model: "gpt-5",
      maxOutputTokens: 20000,
      reasoningEffort: "high",
      attempts: 2,
      concurrency: 5,
      timeoutS: 1200,
      maxCostUsd: 3,
    });
    expect(s.config.grid).toMatchObject({
      functions: ["fn_a"],
      lengths: [20],
      testSize: 200,
      datasetDir: "datasets",
    });
    expect(s.config.points).toEqual([{ fn: "fn_a", length: 20 }]);
    expect(s.config.base_url).toBe(server.url);
    expect(s.config.price).toEqual({ input: 1.25, cached_input: 0.125, output: 10 });
    expect(s.fingerprint_config).toMatchObject({
      proposer: "openai:gpt-5",
      data: s.data,
      python: { executable: s.python.executable },
    });
    // versions: ours, Node's, the interpreter's (the verifier's probe), the SDK's own package.json
    const python = execFileSync(
      "python3",
      ["-I", "-c", "import sys; print(sys.executable, sys.version.split()[0])"],
      {
        encoding: "utf8",
      },
    )
      .trim()
      .split(" ");
    expect(s.python).toEqual({ requested: "python3", executable: python[0], version: python[1] });
    expect(s.versions).toEqual({
      llm_erm: versionOf(repo("package.json")),
      node: process.versions.node,
      python: python[1],
      openai_sdk: versionOf(repo("node_modules/openai/package.json")),
    });
    expect(typeof s.sandbox.mode).toBe("string");
    expect(s.sandbox.protections.mode).toBe(s.sandbox.mode);
    // the dataset's SHA-256s, as its meta.json holds them
    const [ds] = s.datasets;
    const meta = JSON.parse(readFileSync(join(cwd, ds!.path, "meta.json"), "utf8")) as { sha256: unknown };
    expect(ds).toMatchObject({
      fn: "fn_a",
      length: 20,
      written_by: "llm-erm",
      sizes: { train: 100, val: 100, test: 200 },
    });
    expect(ds!.sha256).toEqual(meta.sha256);
    expect(s.finished).toMatchObject({ status: "completed", new_calls: 1, attempts_on_record: 1 });
    expect(Date.parse(s.started_at)).toBeLessThanOrEqual(Date.parse(s.finished!.at));
    expect(s.unrecorded_calls).toEqual([]);
    expect(res.stderr).toMatch(/wrote .*run_manifest\.json/);
  });

  it("each run of a JSONL appends a session; --fresh starts over", async () => {
    const cwd = tempDir();
    expect((await runCli(ONE, cwd, {})).code).toBe(ExitCode.ok);
    const resumed = await runCli(ONE, cwd, {});
    expect(resumed.code).toBe(ExitCode.ok);
    const two = manifestIn(cwd).sessions;
    expect(two).toHaveLength(2);
    expect(two[1]!.fingerprint).toBe(two[0]!.fingerprint);
    expect(two[0]!.finished).toMatchObject({ new_calls: 1, attempts_on_record: 1 });
    expect(two[1]!.finished).toMatchObject({ new_calls: 0, attempts_on_record: 1 });
    expect(Date.parse(two[1]!.started_at)).toBeGreaterThan(Date.parse(two[0]!.finished!.at));
    expect((await runCli([...ONE, "--fresh"], cwd, {})).code).toBe(ExitCode.ok);
    expect(manifestIn(cwd).sessions).toHaveLength(1);
  }, 120_000);

  it("each shard has its own manifest, named as its JSONL", async () => {
    const shards = tempDir();
    for (const i of [1, 2])
      expect((await runCli([...FAST, "--shard", `${i}/2`], shards, {})).code).toBe(ExitCode.ok);
    expect(existsSync(join(shards, "run_manifest.json"))).toBe(false);
    const first = manifestIn(shards, "run_manifest.shard-1-of-2.json");
    const second = manifestIn(shards, "run_manifest.shard-2-of-2.json");
    expect(first.jsonl).toBe("results_attempts.shard-1-of-2.jsonl");
    expect(first.sessions[0]!.config.shard).toEqual({ index: 1, count: 2 });
    expect(first.sessions[0]!.config.points).toEqual([{ fn: "fn_a", length: 20 }]);
    expect(second.sessions[0]!.config.points).toEqual([{ fn: "fn_b", length: 20 }]);
    expect(second.sessions[0]!.datasets.map((d) => d.fn)).toEqual(["fn_b"]);
  }, 120_000);

  it("a damaged manifest is never used: run and rescore exit 4 naming it", async () => {
    const cwd = tempDir();
    expect((await runCli(ONE, cwd, {})).code).toBe(ExitCode.ok);
    const file = join(cwd, "run_manifest.json");
    writeFileSync(file, readFileSync(file, "utf8").replace('"schema_version": 1', '"schema_version": "one"'));
    const run = await runCli(ONE, cwd, {});
    expect(run.code).toBe(ExitCode.damaged);
    expect(run.stderr).toMatch(/run_manifest\.json: not a run manifest \(schema_version/);
    const rescore = await runCli(["rescore"], cwd, {});
    expect(rescore.code).toBe(ExitCode.damaged);
    expect(rescore.stderr).toMatch(/run_manifest\.json: not a run manifest/);
    writeFileSync(file, "{");
    expect((await runCli(["report"], cwd, {})).code).toBe(ExitCode.damaged);
  }, 120_000);
});

describe("rescore and report read the manifest", () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = tempDir();
    const run = await runCli(ENUM, cwd, {});
    expect(run.code, run.stderr).toBe(ExitCode.ok);
  }, 60_000);

  it("rescore takes the run's sizes from the manifest, without runner.log", async () => {
    const dir = tempDir();
    for (const f of ["results_attempts.jsonl", "run_manifest.json"])
      writeFileSync(join(dir, f), readFileSync(join(cwd, f)));
    // the run's datasets are found again by their sizes and seed (--test-size 200), rebuilt here
    const res = await runCli(["rescore"], dir, {});
    expect(res.code, res.stderr).toBe(ExitCode.ok);
    expect(res.stderr).not.toMatch(/no run manifest or runner log|using --train-size/);
    expect(res.stderr).not.toMatch(/differ from those the run used|the run used/);
    expect(res.stdout).toMatch(/^\| fn_f \| 20 \| enumerative \| 2 \| 0 \|.*\| yes \|$/m);
  }, 60_000);

  it("a run from before manifests: one line says so, and the sizes come from runner.log", async () => {
    const dir = tempDir();
    for (const f of ["results_attempts.jsonl", "runner.log"])
      writeFileSync(join(dir, f), readFileSync(join(cwd, f)));
    const res = await runCli(["rescore"], dir, {});
    expect(res.code, res.stderr).toBe(ExitCode.ok);
    const notices = res.stderr.split("\n").filter((l) => l.includes("before run manifests"));
    expect(notices).toEqual([
      "llm-erm: rescore: no run_manifest.json beside results_attempts.jsonl (a run from before run manifests, or a copy): reading its sizes from its runner log",
    ]);
    const report = await runCli(["report"], dir, {});
    expect(report.code).toBe(ExitCode.ok);
    expect(report.stderr).toMatch(
      /report: no run_manifest\.json beside results_attempts\.jsonl \(a run from before run manifests, or a copy\)/,
    );
  }, 60_000);

  it("rescore says when a dataset is not the one the run used (its SHA-256s)", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "results_attempts.jsonl"), readFileSync(join(cwd, "results_attempts.jsonl")));
    const manifest = manifestIn(cwd);
    manifest.sessions[0]!.datasets[0]!.sha256!["test.txt"] = "0".repeat(64);
    writeFileSync(join(dir, "run_manifest.json"), JSON.stringify(manifest));
    const res = await runCli(["rescore"], dir, {});
    expect(res.stderr).toMatch(
      /the SHA-256s of fn_a L=20 \(datasets\/parity_all\/L20\/seed\d+\) differ from those the run used/,
    );
  }, 60_000);

  it("report describes each config from its manifest and says when its last session did not finish", async () => {
    const res = await runCli(["report"], cwd, {});
    expect(res.code).toBe(ExitCode.ok);
    const s = manifestIn(cwd).sessions[0]!;
    expect(res.stderr).toContain(
      `llm-erm: report: config ${s.fingerprint}: enumerative, data 100/100/200 seed 42, python ${s.python.version} (${s.python.executable}), sandbox ${s.sandbox.mode}, llm-erm ${s.versions.llm_erm} (run_manifest.json)\n`,
    );
    const dir = tempDir();
    writeFileSync(join(dir, "results_attempts.jsonl"), readFileSync(join(cwd, "results_attempts.jsonl")));
    const killed = manifestIn(cwd);
    delete killed.sessions[0]!.finished;
    writeFileSync(join(dir, "run_manifest.json"), JSON.stringify(killed));
    const again = await runCli(["report"], dir, {});
    expect(again.stderr).toMatch(
      /its last session did not finish \(still running, or killed: rerun its command\)/,
    );
  }, 60_000);
});

describe("calls cut before they answered, across a resume", () => {
  it("the manifest keeps what a call cut by --batch's early stop may have cost, and a resumed budget counts it", async () => {
    // fn_a: the first call to arrive answers (after 400 ms, the other is sent by then) with a program that
    // validates 1.0; the other call is slow and is cut by the early stop.
    const server = await startServer({
      script: ({ index }) =>
        index === 0
          ? { kind: "completed", text: answer(PROGRAMS.parity), delayMs: 400 }
          : { kind: "completed", text: answer(PROGRAMS.constantZero), delayMs: 5000 },
    });
    const cwd = tempDir();
    const base = [
      "run",
      "--lengths",
      "20",
      "--test-size",
      "200",
      "--attempts",
      "2",
      "--max-output-tokens",
      "100000",
    ];
    const first = await runCli(
      [...base, "--functions", "fn_a", "--batch", "2"],
      cwd,
      loopbackEnv(server.url),
    );
    expect(first.code, first.stderr).toBe(ExitCode.ok);
    expect(server.calls).toHaveLength(2);
    const [cut] = manifestIn(cwd).sessions[0]!.unrecorded_calls;
    expect(cut).toMatchObject({ fn: "fn_a", length: 20, usage: null });
    const estimate = cut!.estimated_tokens ?? 0;
    expect(estimate).toBeGreaterThan(100_000); // every max_output_tokens plus the prompt's estimate
    expect(readAttemptsJsonl(join(cwd, "results_attempts.jsonl")).records).toHaveLength(1);

    // fn_b's first call needs its prompt's estimate (< the cut call's) beside 100000 output tokens: it
    // fits beside fn_a's record (1500 tokens) alone, not beside the cut call's estimate too.
    const resumed = await runCli(
      [...base, "--functions", "fn_a", "fn_b", "--max-tokens", String(1500 + estimate + 100_000)],
      cwd,
      loopbackEnv(server.url),
    );
    expect(resumed.code, resumed.stderr).toBe(ExitCode.budget);
    expect(server.calls).toHaveLength(2);
  }, 60_000);
});
