/**
 * Runner benchmark: the paper grid (60 grid points x 5 attempts, every answer wrong so no early stop)
 * through the real OpenAI SDK against a loopback Responses server with a fixed latency per call.
 *
 * Each row runs the grid in a fresh child process (benchmarks/runner-grid-process.ts: `runSession`,
 * the whole `llm-erm run` after flag parsing, with fsync'ed JSONL + answers sidecar, runner.log, CSV
 * and summary), so its peak RSS is the runner's own. The server runs in another child
 * (benchmarks/responses-server-process.ts) unless the row says "in-process" (the old setup, kept for
 * comparison: server and runner then share one event loop and one RSS). Verification is an instant
 * fake, except the "sandbox" row: the real sandbox verifier (createVerifier) scoring a trivial
 * candidate on the paper's 10,200 inputs (100 train + 100 val + 10,000 test) per attempt.
 *
 *   npx tsx benchmarks/runner.bench.ts [latencyMs=100] [c1,c2,...=5,20,60] [--no-in-process] [--no-sandbox] [--synthetic] [--trace]
 *
 * Data: the paper's datasets (seed 42, 100/100/10,000), built once into $TMPDIR/llm-erm-bench-datasets
 * before timing and loaded per grid point as `llm-erm run` does; --synthetic: random splits of the same
 * sizes made in memory up front (all 60 held at once, so more memory than a real run).
 * --trace: each runner prints per-attempt phase quantiles (call, answer fsync, verify, record + next).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { buildDatasets } from "../src/dataset/build-pool.js";
import { specForPoint } from "../src/dataset/spec.js";
import { resolveGrid } from "../src/tasks/registry.js";

const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const flags = new Set(process.argv.slice(2).filter((a) => a.startsWith("--")));
const latencyMs = Number(args[0] ?? 100);
const ATTEMPTS = 5;
const GRID_POINTS = resolveGrid(undefined, undefined).length;
const levels = (args[1] ?? `5,20,${GRID_POINTS}`).split(",").map(Number);

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));

const spawnTs = (script: string, argv: string[]): ChildProcess =>
  spawn(process.execPath, ["--import", "tsx", here(script), ...argv], {
    cwd: here(".."),
    stdio: ["pipe", "pipe", "inherit"],
  });

/** Each call resolves with the next JSON line the child prints on stdout; rejects once it has exited. */
function jsonLines(child: ChildProcess): () => Promise<Record<string, unknown>> {
  const queue: Record<string, unknown>[] = [];
  const waiting: { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }[] = [];
  let ended: Error | undefined;
  const rl = createInterface({ input: child.stdout! });
  rl.on("line", (line) => {
    if (!line.startsWith("{")) return;
    const v = JSON.parse(line) as Record<string, unknown>;
    const w = waiting.shift();
    if (w) w.resolve(v);
    else queue.push(v);
  });
  // "close" comes after the last stdout line.
  rl.on("close", () => {
    ended = new Error(`${child.spawnargs.slice(2).join(" ")}: ended without a JSON line`);
    for (const w of waiting.splice(0)) w.reject(ended);
  });
  return () =>
    new Promise((resolve, reject) => {
      const v = queue.shift();
      if (v) resolve(v);
      else if (ended) reject(ended);
      else waiting.push({ resolve, reject });
    });
}

interface Row {
  readonly concurrency: number;
  readonly server: "separate" | "in-process";
  readonly verifier: "instant" | "sandbox";
}

async function measure(row: Row) {
  let server: ChildProcess | undefined;
  let serverNext: (() => Promise<Record<string, unknown>>) | undefined;
  let url: string | undefined;
  if (row.server === "separate") {
    server = spawnTs("responses-server-process.ts", [String(latencyMs)]);
    serverNext = jsonLines(server);
    url = String((await serverNext()).url);
  }
  const runner = spawnTs("runner-grid-process.ts", [
    JSON.stringify({
      ...(url ? { url } : {}),
      latencyMs,
      concurrency: row.concurrency,
      attempts: ATTEMPTS,
      verifier: row.verifier,
      ...(datasetDir ? { datasetDir } : {}),
      ...(flags.has("--trace") ? { trace: true } : {}),
    }),
  ]);
  const out = (await jsonLines(runner)()) as {
    exitCode: number;
    calls: number;
    wallMs: number;
    cpuMs: number;
    maxInFlight: number | null;
    verifyMsSum: number;
    maxRssMb: number;
  };
  let maxInFlight = out.maxInFlight;
  if (server && serverNext) {
    server.stdin!.end();
    maxInFlight = Number((await serverNext()).maxInFlight);
  }
  if (out.exitCode !== 0) throw new Error(`runner exited ${out.exitCode} (${JSON.stringify(row)})`);
  const calls = out.calls;
  const limit = row.concurrency >= GRID_POINTS ? ATTEMPTS * latencyMs : (calls * latencyMs) / row.concurrency;
  // Rounds of calls the limit assumes: attempts per grid point, or calls / concurrency.
  const waves = row.concurrency >= GRID_POINTS ? ATTEMPTS : calls / row.concurrency;
  return { ...row, ...out, maxInFlight, limit, waves, python: calls * latencyMs };
}

const rows: Row[] = levels.map((c) => ({ concurrency: c, server: "separate", verifier: "instant" }));
if (!flags.has("--no-in-process"))
  rows.push({ concurrency: GRID_POINTS, server: "in-process", verifier: "instant" });
if (!flags.has("--no-sandbox")) rows.push({ concurrency: 5, server: "separate", verifier: "sandbox" });

// The paper's datasets, built once (reused by later runs) before any timing; --synthetic: random splits in memory.
const datasetDir = flags.has("--synthetic") ? undefined : join(tmpdir(), "llm-erm-bench-datasets");
if (datasetDir) {
  const t = performance.now();
  const specs = resolveGrid(undefined, undefined).map((p) =>
    specForPoint({ trainSize: 100, valSize: 100, testSize: 10_000, seed: 42 }, p),
  );
  const built = await buildDatasets(specs, datasetDir);
  process.stderr.write(
    `datasets in ${datasetDir}: ${built.filter((b) => !b.reused).length} built, ${built.filter((b) => b.reused).length} reused (${((performance.now() - t) / 1000).toFixed(1)} s)\n`,
  );
}

const load0 = loadavg()[0]!;
const results = [];
for (const row of rows) {
  results.push(await measure(row));
  process.stderr.write(".");
}
process.stderr.write("\n");

console.log(
  `\nPaper grid: ${GRID_POINTS} grid points x ${ATTEMPTS} attempts, ${latencyMs} ms per call, every answer wrong (no early stop); ${datasetDir ? "paper datasets loaded per grid point" : "synthetic splits in memory"}; runSession with fsync'ed JSONL + answers sidecar. Load average ${load0.toFixed(1)} -> ${loadavg()[0]!.toFixed(1)}.\n`,
);
console.log(
  "| --concurrency | server | verifier | calls | max in flight | latency (ms) | wall (s) | limit (s) | wall / limit | overhead per wave (ms) | Python runner, sequential (s) | speed-up vs Python | runner CPU (s) | peak RSS of the runner (MB) |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
for (const r of results) {
  const verifier =
    r.verifier === "sandbox"
      ? `sandbox, 10,200 inputs (sum ${(r.verifyMsSum / 1000).toFixed(1)} s)`
      : "instant";
  console.log(
    `| ${r.concurrency} | ${r.server} | ${verifier} | ${r.calls} | ${r.maxInFlight} | ${latencyMs} | ${(r.wallMs / 1000).toFixed(2)} | ${(r.limit / 1000).toFixed(2)} | ${(r.wallMs / r.limit).toFixed(3)} | ${((r.wallMs - r.limit) / r.waves).toFixed(0)} | ${(r.python / 1000).toFixed(1)} | ${(r.python / r.wallMs).toFixed(1)}x | ${(r.cpuMs / 1000).toFixed(1)} | ${r.maxRssMb.toFixed(0)} |`,
  );
}
console.log(
  "\nlimit: the slowest grid point's attempts x latency (concurrency >= grid points), else calls x latency / concurrency. Python runner: calls x latency, one at a time (its unsandboxed in-process verification not counted). Peak RSS: the runner process's own maxRSS (sandbox children not included; in-process rows include the server).",
);
