/**
 * Runner benchmark: the paper grid (60 grid points x 5 attempts, every answer wrong so no early stop)
 * through the real OpenAI SDK against a loopback Responses server with a fixed latency per call.
 * Verification is a fake that scores instantly (the sandbox has its own benchmark): this measures
 * the runner's scheduling, HTTP and bookkeeping. Data are synthetic splits of the paper's sizes
 * (100/100/10000) so the memory figure is the paper grid's.
 *
 *   npx tsx benchmarks/runner.bench.ts [latencyMs] [concurrency,...]
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AttemptLog } from "../src/artifacts/attempts-jsonl.js";
import type { Example } from "../src/core/example.js";
import { buildPaperPrompt } from "../src/prompt/paper-prompt.js";
import { createOpenAIProposer } from "../src/proposer/openai-proposer.js";
import { Budget } from "../src/runner/budget.js";
import { runGrid } from "../src/runner/grid-runner.js";
import { getTask, resolveGrid } from "../src/tasks/registry.js";
import type { Verifier, VerifyJob, VerifyResult } from "../src/verify/types.js";
import { answer, PROGRAMS } from "../test/helpers/programs.js";
import { startResponsesServer } from "../test/helpers/responses-server.js";

const latencyMs = Number(process.argv[2] ?? 100);
const ATTEMPTS = 5;
const points = resolveGrid(undefined, undefined);

const randomSplits = (length: number, decimal: boolean) => {
  const alphabet = decimal ? "0123456789" : "01";
  const make = (n: number): Example[] =>
    Array.from({ length: n }, (_, i) => ({
      x: Array.from({ length }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join(""),
      y: (i % 2) as 0 | 1,
    }));
  return { train: make(100), val: make(100), test: make(10_000) };
};

const instantVerifier: Verifier = {
  protections: { fake: true },
  async verify(job: VerifyJob): Promise<VerifyResult> {
    const scores: VerifyResult["scores"] = {};
    for (const [k, v] of Object.entries(job.splits)) {
      const half = Math.floor((v?.length ?? 0) / 2);
      scores[k as "train"] = { correct: half, total: v?.length ?? 0, accuracy: 0.5, exceptions: 0 };
    }
    return { kind: "ok", message: "", scores, durationMs: 0 };
  },
  async close() {},
};

const silent = { info() {}, warn() {}, error() {} };

// Made before timing: a real run builds datasets up front in worker threads, then reads them from disk.
const prepared = new Map(
  points.map((p) => {
    const task = getTask(p.fn);
    const splits = randomSplits(p.length, task.decimal);
    return [
      `${p.fn}|${p.length}`,
      { task, splits, prompt: buildPaperPrompt(splits.train, { decimal: task.decimal, length: p.length }) },
    ];
  }),
);

async function measure(concurrency: number) {
  const server = await startResponsesServer({
    latencyMs,
    script: () => ({ kind: "completed", text: answer(PROGRAMS.constantZero) }),
  });
  const proposer = createOpenAIProposer({
    apiKey: "sk-bench",
    baseURL: server.url,
    model: "gpt-5",
    maxOutputTokens: 20000,
    reasoningEffort: "high",
    verbosity: "low",
    toolChoice: "auto",
    codeInterpreter: true,
    structuredOutput: false,
    timeoutMs: 60_000,
  });
  const log = new AttemptLog(join(mkdtempSync(join(tmpdir(), "bench-runner-")), "results_attempts.jsonl"));
  const t0 = performance.now();
  const res = await runGrid(
    { points, attempts: ATTEMPTS, concurrency, batch: 1, testSelectedOnly: false, fingerprint: "bench" },
    {
      proposer,
      verifier: instantVerifier,
      extractCode: (text) => {
        const v = JSON.parse(text) as { code: string };
        return { ok: true, code: v.code, via: "json" };
      },
      prepare: async (p) => prepared.get(`${p.fn}|${p.length}`)!,
      append: (r) => log.appendAsync(r),
      prior: [],
      budget: new Budget({ maxOutputTokens: 20000 }),
      logger: silent,
      signal: new AbortController().signal,
    },
  );
  const wall = performance.now() - t0;
  log.close();
  await server.close();
  const calls = res.newCalls;
  const limit = concurrency >= points.length ? ATTEMPTS * latencyMs : (calls * latencyMs) / concurrency;
  return { concurrency, calls, wall, limit, python: calls * latencyMs, maxInFlight: server.maxInFlight };
}

const rows = [];
const levels = (process.argv[3] ?? `5,20,${points.length}`).split(",").map(Number);
for (const c of levels) rows.push(await measure(c));
const rssMb = process.resourceUsage().maxRSS / 1024;

console.log(
  `\nPaper grid: ${points.length} grid points x ${ATTEMPTS} attempts, ${latencyMs} ms per call, fsync'ed JSONL, instant verifier.\n`,
);
console.log(
  "| --concurrency | calls | max in flight | wall (s) | limit (s) | wall / limit | Python runner, sequential (s) | speed-up vs Python |",
);
console.log("|---|---|---|---|---|---|---|---|");
for (const r of rows) {
  console.log(
    `| ${r.concurrency} | ${r.calls} | ${r.maxInFlight} | ${(r.wall / 1000).toFixed(2)} | ${(r.limit / 1000).toFixed(2)} | ${(r.wall / r.limit).toFixed(3)} | ${(r.python / 1000).toFixed(1)} | ${(r.python / r.wall).toFixed(1)}x |`,
  );
}
console.log(`\nPeak RSS of the whole benchmark process: ${rssMb.toFixed(0)} MB (limit 300 MB).`);
