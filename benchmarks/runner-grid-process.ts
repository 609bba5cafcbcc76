/**
 * One measured runner process for benchmarks/runner.bench.ts: the paper grid through `runSession`
 * (what `llm-erm run` runs after its flags: fsync'ed attempt JSONL and answers sidecar, pino
 * runner.log, progress lines, CSV and summary at the end) with the real OpenAI SDK.
 *
 *   node --import tsx benchmarks/runner-grid-process.ts '<json options>'
 *
 * Options: { url?: string (a loopback server in another process; absent: start one in this process),
 * latencyMs, concurrency, attempts, verifier: "instant" | "sandbox" }. Prints one JSON line with the
 * wall time, the calls, the server's max in flight (in-process server only) and this process's own
 * peak RSS (process.resourceUsage().maxRSS: the sandbox's python children are not in it).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { z } from "zod";
import type { Example } from "../src/core/example.js";
import type { GridPoint } from "../src/core/grid.js";
import { specForPoint } from "../src/dataset/spec.js";
import { loadOrBuildDataset } from "../src/dataset/store.js";
import { buildPaperPrompt } from "../src/prompt/paper-prompt.js";
import { createOpenAIProposer } from "../src/proposer/openai-proposer.js";
import { PAPER_REQUEST_DEFAULTS } from "../src/proposer/openai-request.js";
import type { Proposer } from "../src/proposer/proposer.js";
import type { PreparedPoint } from "../src/runner/grid-runner.js";
import { createRunLogger } from "../src/runner/run-logger.js";
import { runSession } from "../src/runner/run-session.js";
import { getTask, resolveGrid } from "../src/tasks/registry.js";
import { extractCode } from "../src/verify/extract.js";
import { createVerifier } from "../src/verify/sandbox-verifier.js";
import type { Verifier, VerifyJob, VerifyResult } from "../src/verify/types.js";
import { answer, PROGRAMS } from "../test/helpers/programs.js";
import { startResponsesServer } from "../test/helpers/responses-server.js";

const Options = z.object({
  url: z.string().optional(),
  latencyMs: z.number().min(0),
  concurrency: z.number().int().min(1),
  attempts: z.number().int().min(1),
  verifier: z.enum(["instant", "sandbox"]),
  /** The paper's datasets (seed 42, 100/100/10,000), built there beforehand; absent: synthetic splits held in memory. */
  datasetDir: z.string().optional(),
  /** Time each attempt's phases (call, answer fsync, verify, record + next slot) and print quantiles. */
  trace: z.boolean().optional(),
});
const opts = Options.parse(JSON.parse(process.argv[2] ?? "{}"));

/** Synthetic splits of the paper's sizes (100/100/10,000), half labelled 1. */
const randomSplits = (length: number, decimal: boolean) => {
  const alphabet = decimal ? "0123456789" : "01";
  const make = (n: number): Example[] =>
    Array.from({ length: n }, (_, i) => ({
      x: Array.from({ length }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join(""),
      y: (i % 2) as 0 | 1,
    }));
  return { train: make(100), val: make(100), test: make(10_000) };
};

/** Scores instantly (the sandbox has its own benchmark): isolates scheduling, HTTP and bookkeeping. */
const instantVerifier: Verifier = {
  protections: { mode: "fake" },
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

const points = resolveGrid(undefined, undefined);
const PAPER_SIZES = { trainSize: 100, valSize: 100, testSize: 10_000, seed: 42 };
// Synthetic: made before timing and held for the whole run (more memory than a real run).
const synthetic = opts.datasetDir
  ? undefined
  : new Map(
      points.map((p) => {
        const task = getTask(p.fn);
        const splits = randomSplits(p.length, task.decimal);
        return [
          `${p.fn}|${p.length}`,
          {
            splits,
            prompt: buildPaperPrompt(splits.train, { decimal: task.decimal, length: p.length }),
          },
        ];
      }),
    );
/** As `llm-erm run`: each grid point loads its dataset from disk when it starts. */
const prepare = async (p: GridPoint): Promise<PreparedPoint> => {
  if (synthetic) return synthetic.get(`${p.fn}|${p.length}`)!;
  const task = getTask(p.fn);
  const { dataset } = await loadOrBuildDataset(specForPoint(PAPER_SIZES, p), opts.datasetDir!);
  return {
    splits: dataset,
    prompt: buildPaperPrompt(dataset.train, { decimal: task.decimal, length: p.length }),
  };
};

const server = opts.url
  ? undefined
  : await startResponsesServer({
      latencyMs: opts.latencyMs,
      script: () => ({ kind: "completed", text: answer(PROGRAMS.constantZero) }),
    });
const url = opts.url ?? server!.url;
// Probed before timing (a real run probes once, ~1 s, before the grid).
const verifier = opts.verifier === "sandbox" ? await createVerifier() : instantVerifier;

/** Phase marks per grid point, in order: [call start, call end, verify start, verify end, ...]. */
const marks = new Map<string, number[]>();
const mark = (key: string) => {
  const list = marks.get(key) ?? [];
  list.push(performance.now());
  marks.set(key, list);
};
const traced = <T extends Verifier>(v: T): Verifier => ({
  protections: v.protections,
  async verify(job, signal) {
    const key = job.splits.train?.[0]?.x ?? "";
    mark(key);
    try {
      return await v.verify(job, signal);
    } finally {
      mark(key);
    }
  },
  close: () => v.close(),
});

const dir = mkdtempSync(join(tmpdir(), "bench-runner-"));
const sink = new Writable({ write: (_c, _e, cb) => cb() });
const proposer = createOpenAIProposer({
  apiKey: "sk-bench",
  baseURL: url,
  ...PAPER_REQUEST_DEFAULTS,
  codeInterpreter: true, // as the paper's runs
  timeoutMs: 120_000,
});
const openaiProposer = proposer;
const tracedProposer: Proposer = {
  id: openaiProposer.id,
  open(ctx) {
    const session = openaiProposer.open(ctx);
    const key = ctx.train[0]?.x ?? "";
    return {
      async next(attempt) {
        mark(key);
        try {
          return await session.next(attempt);
        } finally {
          mark(key);
        }
      },
    };
  },
};
const logger = createRunLogger(join(dir, "runner.log"), "info");
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const out = await runSession({
  points,
  paths: {
    jsonl: join(dir, "results_attempts.jsonl"),
    csv: join(dir, "results_attempts.csv"),
    log: join(dir, "runner.log"),
    summaryCsv: join(dir, "results_summary.csv"),
    summaryJson: join(dir, "results_summary.json"),
    manifest: join(dir, "run_manifest.json"),
  },
  attempts: opts.attempts,
  concurrency: opts.concurrency,
  batch: 1,
  testSelectedOnly: false,
  fresh: true,
  fingerprint: "bench",
  maxOutputTokens: 20000,
  proposer: opts.trace ? tracedProposer : proposer,
  makeVerifier: async () => (opts.trace ? traced(verifier) : verifier),
  extractCode,
  prepare,
  logger,
  resumeCommand: "bench",
  stdout: sink,
  stderr: sink,
  handleSignals: false,
});
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const maxInFlight = server?.maxInFlight ?? null;
await server?.close();
rmSync(dir, { recursive: true, force: true });
if (opts.trace) {
  // Per attempt: call (SDK + HTTP + server latency), answer durable (fsync), verify, then record
  // durable + logging + waiting for the next call slot.
  const phases: Record<string, number[]> = { call: [], answer_fsync: [], verify: [], record_and_next: [] };
  for (const m of marks.values()) {
    for (let i = 0; i + 3 < m.length; i += 4) {
      phases.call!.push(m[i + 1]! - m[i]!);
      phases.answer_fsync!.push(m[i + 2]! - m[i + 1]!);
      phases.verify!.push(m[i + 3]! - m[i + 2]!);
      if (i + 4 < m.length) phases.record_and_next!.push(m[i + 4]! - m[i + 3]!);
    }
  }
  const q = (a: number[], p: number) => a.sort((x, y) => x - y)[Math.floor(p * (a.length - 1))] ?? Number.NaN;
  for (const [name, a] of Object.entries(phases))
    process.stderr.write(
      `trace ${name.padEnd(16)} p10 ${q(a, 0.1).toFixed(1)} p50 ${q(a, 0.5).toFixed(1)} p90 ${q(a, 0.9).toFixed(1)} max ${q(a, 1).toFixed(1)} ms\n`,
    );
}
process.stdout.write(
  `${JSON.stringify({
    exitCode: out.exitCode,
    calls: out.result?.newCalls ?? 0,
    records: out.records.length,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    maxInFlight,
    verifyMsSum: out.records.reduce((a, r) => a + r.verify_ms, 0),
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  })}\n`,
);
