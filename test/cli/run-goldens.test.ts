// Artifact goldens of a scripted run: the whole CLI against the loopback Responses server, every
// artifact compared with the files in test/fixtures/run-goldens/. They pin behaviour across refactors
// of the runner: the same answers must give the same records, tables, summary, manifest and log events.
// Only what genuinely varies is normalised (timestamps, durations, paths, versions, the fingerprint
// that hashes the interpreter, response ids handed out in arrival order, what the sandbox found on the
// host). Grid points run concurrently, so the JSONL lines are put in grid order and the log events
// are compared per grid point, in order.
//
// To regenerate after an intended change: UPDATE_GOLDENS=1 npx vitest run test/cli/run-goldens.test.ts
// and review the diff of test/fixtures/run-goldens/.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { describe, expect, it } from "vitest";
import { ExitCode } from "../../src/core/errors.js";
import { loopbackEnv, useResponsesServer } from "../helpers/loopback-cli.js";
import { answer, oracleProgram, PROGRAMS } from "../helpers/programs.js";
import type { Reply } from "../helpers/responses-server.js";
import { runCli, tempDir } from "../helpers/spawn-cli.js";

const GOLDENS = fileURLToPath(new URL("../fixtures/run-goldens/", import.meta.url));
const UPDATE = process.env.UPDATE_GOLDENS === "1";
const startServer = useResponsesServer();

type Script = Record<"fn_a" | "fn_b", readonly Reply[]>;

/** Answers per grid point, in call order (retries included): the point is told by its training data. */
const VARIED: Script = {
  // Solved at attempt 3 of 4 (early stop) after a compile error, a failed response and a retried 503.
  fn_a: [
    { kind: "completed", text: answer(PROGRAMS.syntaxError) },
    { kind: "failed", code: "server_error", message: "boom" },
    { kind: "http_error", status: 503, retryAfterMs: "10" },
    { kind: "completed", text: answer(PROGRAMS.parity) },
  ],
  // Unsolved after 4 attempts: a weak rule, a call that times out, prose without code, another weak rule.
  fn_b: [
    { kind: "completed", text: answer(PROGRAMS.constantZero) },
    { kind: "completed", text: "{}", delayMs: 15_000 },
    { kind: "completed", text: "I could not find a rule." },
    { kind: "completed", text: answer(PROGRAMS.firstBit), usage: { input_tokens: 1200, total_tokens: 1700 } },
  ],
};

/**
 * The trials of a point share its dataset, so the server cannot tell them apart: every call of a
 * point gets the same answer, and which trial asks first does not matter.
 */
const CONSTANT: Script = {
  fn_a: [{ kind: "completed", text: answer(PROGRAMS.parity) }],
  fn_b: [{ kind: "completed", text: answer(PROGRAMS.firstBit) }],
};

/** A server whose answers depend only on the grid point asking (its prompt), never on arrival order. */
async function scriptedServer(script: Script) {
  const seen = new Map<string, number>();
  return startServer({
    script: ({ prompt }) => {
      const fn = oracleProgram(prompt) === PROGRAMS.parity ? "fn_a" : "fn_b";
      const k = seen.get(prompt) ?? 0;
      seen.set(prompt, k + 1);
      const list = script[fn];
      return list[Math.min(k, list.length - 1)]!;
    },
  });
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Fields whose values vary from run to run or machine to machine, by name. */
const VARIABLE: Record<string, string> = {
  ts: "<ts>",
  time: "<ts>",
  started_at: "<ts>",
  finished_at: "<ts>",
  created_at: "<ts>",
  duration_ms: "<ms>",
  verify_ms: "<ms>",
  elapsed_ms: "<ms>",
  wall_ms: "<ms>",
  pid: "<pid>",
  hostname: "<host>",
  response_id: "<response_id>",
  // The interpreter's path and version are part of the fingerprint; the sandbox tier, its cgroup paths
  // and the versions depend on the machine; the base URL names the loopback port.
  fingerprint: "<fingerprint>",
  config_fingerprint: "<fingerprint>",
  python: "<python>",
  versions: "<versions>",
  sandbox: "<sandbox>",
  base_url: "<base_url>",
};

/** Sums of floats depend on the order records are added in; 12 significant digits do not. */
const roundFloat = (n: number): number => (Number.isInteger(n) ? n : Number(n.toPrecision(12)));

function normaliseJson(v: Json, cwd: string, key = ""): Json {
  if (key in VARIABLE && v !== null) return VARIABLE[key]!;
  if (typeof v === "string") return normaliseText(v, cwd);
  if (typeof v === "number") return roundFloat(v);
  if (Array.isArray(v)) return v.map((x) => normaliseJson(x, cwd));
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normaliseJson(x, cwd, k)]));
  }
  return v;
}

function normaliseText(s: string, cwd: string): string {
  return s
    .split(cwd)
    .join("<cwd>")
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, "<ts>")
    .replace(/resp_\d+/g, "<response_id>");
}

const lines = (text: string) => text.split("\n").filter((l) => l.length > 0);

/** Each artifact as the text compared with its golden file. */
function normalisedArtifacts(cwd: string, opts: { ordered: boolean }): Record<string, string> {
  const read = (f: string) => readFileSync(join(cwd, f), "utf8");
  const out: Record<string, string> = {};
  const jsonl = lines(read("results_attempts.jsonl")).map((l) => JSON.parse(l) as Json);
  out["results_attempts.jsonl"] = `${sortedByPoint(jsonl)
    .map((r) => JSON.stringify(normaliseJson(r, cwd)))
    .join("\n")}\n`;
  out["results_attempts.csv"] = normaliseCsv(read("results_attempts.csv"), cwd);
  out["results_summary.csv"] = normaliseCsv(read("results_summary.csv"), cwd);
  out["results_summary.json"] = pretty(normaliseJson(JSON.parse(read("results_summary.json")) as Json, cwd));
  out["run_manifest.json"] = pretty(normaliseJson(JSON.parse(read("run_manifest.json")) as Json, cwd));
  out["runner.log.events.json"] = pretty(logEvents(read("runner.log"), opts.ordered));
  return out;
}

const pretty = (v: Json) => `${JSON.stringify(v, null, 2)}\n`;

const pointKey = (r: Json): string => {
  const o = r as Record<string, Json>;
  return `${o.fn}|${String(o.length).padStart(4, "0")}|${o.trial ?? 1}|${String(o.attempt).padStart(3, "0")}`;
};

const sortedByPoint = (records: Json[]): Json[] =>
  records
    .map((r, i) => ({ r, i }))
    .sort((a, b) => pointKey(a.r).localeCompare(pointKey(b.r)) || a.i - b.i)
    .map((x) => x.r);

/**
 * CSV cells of the variable columns (by header name) replaced, as in the JSON artifacts. The file is
 * first checked to be exactly what csv-stringify makes of its parsed rows, so re-serialising the
 * normalised rows keeps the bytes (quoting, line ends) of the rest.
 */
function normaliseCsv(text: string, cwd: string): string {
  const rows = parse(text) as string[][];
  expect(stringify(rows), "the CSV round-trips through csv-parse/csv-stringify").toBe(text);
  const names = rows[0]!;
  const normalised = rows.map((row, r) =>
    row.map((cell, i) => {
      const key = names[i]!;
      if (r === 0 || cell === "") return cell;
      if (key in VARIABLE) return VARIABLE[key]!;
      const n = Number(cell);
      return Number.isFinite(n) && /^-?[0-9.e-]+$/.test(cell)
        ? String(roundFloat(n))
        : normaliseText(cell, cwd);
    }),
  );
  return stringify(normalised);
}

/** runner.log as event names (`msg`, and `event` when set), grouped by grid point, each in its order (or sorted). */
function logEvents(text: string, ordered: boolean): Record<string, string[]> {
  const groups: Record<string, string[]> = {};
  for (const line of lines(text)) {
    const e = JSON.parse(line) as Record<string, Json>;
    // What the sandbox found on this host (cgroups, its probe) depends on the machine.
    if (typeof e.event === "string" && /^(cgroup|sandbox_)/.test(e.event)) continue;
    const group =
      typeof e.fn === "string" && typeof e.length === "number"
        ? `${e.fn} L=${e.length} trial ${e.trial ?? 1}`
        : "run";
    const name = typeof e.event === "string" ? `${e.msg} [${e.event}]` : String(e.msg);
    const attempt = typeof e.attempt === "number" ? ` #${e.attempt}` : "";
    const list = groups[group] ?? [];
    groups[group] = list;
    list.push(`${name}${attempt}`);
  }
  if (!ordered) for (const list of Object.values(groups)) list.sort();
  return Object.fromEntries(Object.entries(groups).sort(([a], [b]) => a.localeCompare(b)));
}

/** Golden files end in `.golden`: .gitignore keeps run artifacts (results_*, runner*.log) out of git. */
function compareWithGoldens(name: string, artifacts: Record<string, string>): void {
  const dir = join(GOLDENS, name);
  const golden = (file: string) => join(dir, `${file}.golden`);
  if (UPDATE) {
    mkdirSync(dir, { recursive: true });
    for (const [file, text] of Object.entries(artifacts)) writeFileSync(golden(file), text);
  }
  expect(existsSync(dir), `${dir}: run with UPDATE_GOLDENS=1 to create it`).toBe(true);
  expect(readdirSync(dir).sort()).toEqual(
    Object.keys(artifacts)
      .map((f) => `${f}.golden`)
      .sort(),
  );
  for (const [file, text] of Object.entries(artifacts)) {
    expect(text, `${name}/${file}`).toBe(readFileSync(golden(file), "utf8"));
  }
}

const BASE = [
  "run",
  "--functions",
  "fn_a",
  "fn_b",
  "--lengths",
  "20",
  "--test-size",
  "200",
  "--concurrency",
  "2",
  "--timeout",
  "5",
  "--max-output-tokens",
  "1000",
];

describe("artifacts of a scripted run match the goldens", () => {
  it("a solved and an unsolved point: early stop, compile error, failed, retried and timed-out calls", async () => {
    const server = await scriptedServer(VARIED);
    const cwd = tempDir();
    const res = await runCli([...BASE, "--attempts", "4"], cwd, loopbackEnv(server.url));
    expect(res.code, res.stderr).toBe(ExitCode.ok);
    expect(server.calls).toHaveLength(8); // fn_a: 3 attempts and a retry; fn_b: 4 attempts
    expect(readdirSync(cwd).sort()).toEqual([
      "datasets",
      "results_attempts.csv",
      "results_attempts.jsonl",
      "results_summary.csv",
      "results_summary.json",
      "run_manifest.json",
      "runner.log",
    ]);
    compareWithGoldens("varied", normalisedArtifacts(cwd, { ordered: true }));
  }, 90_000);

  it("--trials 2 --test-selected-only: test scored once per trial, for the selected attempt", async () => {
    const server = await scriptedServer(CONSTANT);
    const cwd = tempDir();
    const res = await runCli(
      [...BASE, "--attempts", "2", "--trials", "2", "--test-selected-only"],
      cwd,
      loopbackEnv(server.url),
    );
    expect(res.code, res.stderr).toBe(ExitCode.ok);
    expect(server.calls).toHaveLength(6); // fn_a: 1 per trial (early stop); fn_b: 2 per trial
    // Trials of a point run concurrently and some log lines do not name their trial: events are
    // compared per grid point as sets, not sequences.
    compareWithGoldens("trials-test-selected-only", normalisedArtifacts(cwd, { ordered: false }));
  }, 90_000);
});
