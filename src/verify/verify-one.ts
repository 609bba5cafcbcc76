import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { Example, SplitName } from "../core/example.js";
import { encodeRequest, type HarnessReport, parseHarnessOutput } from "./protocol.js";
import { type ChildRun, runChild } from "./run-child.js";
import { launchFor, NOBODY, type SandboxSetup } from "./sandbox-launch.js";
import type { OutcomeKind, SandboxLimits, SplitScore, VerifyJob, VerifyResult } from "./types.js";

const SPLIT_ORDER: readonly SplitName[] = ["train", "val", "test"];

/** Runs one candidate on every split of `job` in one sandboxed child and scores its predictions. */
export async function verifyOne(
  job: VerifyJob,
  setup: SandboxSetup,
  signal?: AbortSignal,
): Promise<VerifyResult> {
  const { tier, python, limits, filterFile } = setup;
  const started = performance.now();
  const splits = SPLIT_ORDER.filter((s) => job.splits[s] !== undefined);
  const examples: Example[] = splits.flatMap((s) => [...job.splits[s]!]);
  let payload: Buffer;
  try {
    payload = encodeRequest({
      code: job.code,
      inputs: examples.map((e) => e.x),
      sysPath: python.sysPath,
      cpuSeconds: limits.cpuSeconds,
      memoryBytes: limits.memoryBytes,
      openFiles: limits.openFiles,
      fileBytes: limits.fileBytes,
      processes: limits.processes,
    });
  } catch (err) {
    return finish("sandbox_error", (err as Error).message, job.splits, undefined, started);
  }
  const scratch = tier.mode === "bubblewrap" ? "/" : makeScratch(tier.asNobody);
  const launch = launchFor(setup, scratch);
  let run: ChildRun;
  try {
    run = await runChild(launch, payload, {
      wallMs: limits.wallMs,
      maxOutputBytes: examples.length + limits.outputSlackBytes,
      ...(tier.seccomp && filterFile ? { fd3File: filterFile } : {}),
      ...(signal ? { signal } : {}),
    });
  } finally {
    if (scratch !== "/") rmSync(scratch, { recursive: true, force: true });
  }
  if (run.aborted) throw signal?.reason ?? new Error("verification aborted");
  const report = parseHarnessOutput(run.stdout, examples.length);
  const { kind, message } = classify(run, report, examples.length, limits);
  const functionName = "functionName" in report ? report.functionName : undefined;
  if (kind !== "ok" || report.state !== "done") {
    return finish(kind, message, job.splits, functionName, started);
  }
  const scores: Partial<Record<SplitName, SplitScore>> = {};
  let at = 0;
  for (const s of splits) {
    const exs = job.splits[s]!;
    let correct = 0;
    let exceptions = 0;
    for (const e of exs) {
      const p = report.predictions.charCodeAt(at++);
      if (p === 69 /* E */) exceptions++;
      else if (p - 48 === e.y) correct++;
    }
    scores[s] = { correct, total: exs.length, accuracy: exs.length ? correct / exs.length : 0, exceptions };
  }
  return {
    kind: "ok",
    message: report.exceptions
      ? `raised on ${report.exceptions} input(s), first: ${report.firstException}`
      : "",
    scores,
    ...(functionName ? { functionName } : {}),
    durationMs: performance.now() - started,
  };
}

/** Child run + harness report -> outcome kind and a short message. Limits are checked first. */
function classify(
  run: ChildRun,
  report: HarnessReport,
  expected: number,
  limits: SandboxLimits,
): { kind: OutcomeKind; message: string } {
  const progress =
    report.state === "incomplete" || report.state === "aborted"
      ? ` after ${report.predicted}/${expected} inputs`
      : "";
  if (run.spawnError)
    return { kind: "sandbox_error", message: `could not start the sandbox: ${run.spawnError}` };
  if (run.outputExceeded) {
    return {
      kind: "output_limit",
      message: `wrote more than ${expected + limits.outputSlackBytes} bytes of output`,
    };
  }
  if (run.timedOut)
    return { kind: "timeout", message: `wall clock limit of ${limits.wallMs} ms exceeded${progress}` };
  if (run.signal === "SIGXCPU") {
    return { kind: "timeout", message: `CPU time limit of ${limits.cpuSeconds} s exceeded${progress}` };
  }
  if (report.state === "garbage") return { kind: "protocol_error", message: report.message };
  if (report.state === "done" && run.exitCode === 0) return { kind: "ok", message: "" };
  if (report.state === "failed" || report.state === "aborted") {
    return { kind: report.kind, message: report.message + (report.state === "aborted" ? progress : "") };
  }
  if (run.signal) {
    const what =
      run.signal === "SIGSEGV"
        ? "segmentation fault (SIGSEGV)"
        : run.signal === "SIGKILL"
          ? "killed by SIGKILL (out of memory or CPU hard limit)"
          : `killed by ${run.signal}`;
    return { kind: "crashed", message: `${what}${progress}` };
  }
  const stderr = run.stderr.trim().split("\n").at(-1) ?? "";
  if (
    report.state === "incomplete" &&
    report.predicted === 0 &&
    report.functionName === undefined &&
    stderr
  ) {
    // Nothing reached the harness protocol: the launcher or the interpreter failed to start.
    return {
      kind: "sandbox_error",
      message: `the child failed before the harness ran: ${stderr.slice(0, 300)}`,
    };
  }
  return {
    kind: "crashed",
    message: `the child exited with code ${run.exitCode} before reporting${progress}`,
  };
}

function finish(
  kind: OutcomeKind,
  message: string,
  splits: VerifyJob["splits"],
  functionName: string | undefined,
  started: number,
): VerifyResult {
  return {
    kind,
    message,
    scores: zeroScores(splits),
    ...(functionName ? { functionName } : {}),
    durationMs: performance.now() - started,
  };
}

/** Zero scores for every split the job asks for (the result of any outcome but ok). */
export function zeroScores(splits: VerifyJob["splits"]): Partial<Record<SplitName, SplitScore>> {
  const scores: Partial<Record<SplitName, SplitScore>> = {};
  for (const s of SPLIT_ORDER) {
    const exs = splits[s];
    if (exs) scores[s] = { correct: 0, total: exs.length, accuracy: 0, exceptions: 0 };
  }
  return scores;
}

function makeScratch(forNobody: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), "llm-erm-scratch-"));
  if (forNobody) chownSync(dir, NOBODY, NOBODY);
  return dir;
}
