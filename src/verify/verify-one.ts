import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { Example, SplitName } from "../core/example.js";
import type { CandidateCgroup } from "./cgroup.js";
import {
  CLASS_CHARS,
  encodeRequest,
  type HarnessReport,
  parseHarnessOutput,
  predictionPattern,
  sanitizeChildText,
} from "./protocol.js";
import { type ChildRun, runChild } from "./run-child.js";
import { CGROUP_JOIN_FAILED, launcherTasks, launchFor, NOBODY, type SandboxSetup } from "./sandbox-launch.js";
import { SPLIT_ORDER, scoringOf, zeroScores } from "./scores.js";
import type {
  OutcomeKind,
  SandboxLimits,
  SplitOutcome,
  SplitScore,
  VerifyJob,
  VerifyResult,
} from "./types.js";

/** Runs one candidate on every split of `job` in one sandboxed child and scores its predictions. */
export async function verifyOne(
  job: VerifyJob,
  setup: SandboxSetup,
  signal?: AbortSignal,
): Promise<VerifyResult> {
  return (await verifyOneObserved(job, setup, signal)).result;
}

/** `verifyOne`, also returning the child run (the probe reads the uid and cgroup seen from outside). */
export async function verifyOneObserved(
  job: VerifyJob,
  setup: SandboxSetup,
  signal?: AbortSignal,
  observe = false,
): Promise<{ result: VerifyResult; run?: ChildRun }> {
  const { tier, python, limits, filterFile } = setup;
  const started = performance.now();
  const splits = SPLIT_ORDER.filter((s) => job.splits[s] !== undefined);
  const sizes = splits.map((s) => job.splits[s]!.length);
  const examples: Example[] = splits.flatMap((s) => [...job.splits[s]!]);
  const scoring = scoringOf(job);
  const classes = scoring.kind === "exact" ? scoring.classes : [];
  let payload: Buffer;
  try {
    payload = encodeRequest({
      ...(classes.length ? { classes } : {}),
      code: job.code,
      inputs: examples.map((e) => e.x),
      splitSizes: sizes,
      sysPath: python.sysPath,
      cpuSeconds: limits.cpuSeconds,
      memoryBytes: limits.memoryBytes,
      openFiles: limits.openFiles,
      fileBytes: limits.fileBytes,
      processes: limits.processes,
    });
  } catch (err) {
    return { result: finish("sandbox_error", (err as Error).message, job.splits, undefined, started) };
  }
  let cgroup: CandidateCgroup | undefined;
  try {
    cgroup = setup.cgroups?.create(
      {
        memoryBytes: limits.memoryBytes,
        tasks: launcherTasks(tier) + limits.processes,
        cpuCores: limits.cpuCores,
      },
      tier.drop === "spawn" ? NOBODY : undefined,
    );
  } catch (err) {
    return { result: finish("sandbox_error", (err as Error).message, job.splits, undefined, started) };
  }
  const scratch = tier.mode === "bubblewrap" ? "/" : makeScratch(tier.drop === "spawn");
  const launch = launchFor(setup, scratch, cgroup);
  const clock = splitClock(splits, sizes, limits.wallMs, predictionPattern(classes.length));
  let run: ChildRun;
  try {
    run = await runChild(launch, payload, {
      wallMs: limits.wallMs,
      maxOutputBytes: examples.length + limits.outputSlackBytes,
      onStdout: clock.onStdout,
      ...(cgroup ? { cgroup } : {}),
      ...(tier.seccomp && filterFile ? { fd3File: filterFile } : {}),
      ...(signal ? { signal } : {}),
      ...(observe ? { observe: { executable: python.executable } } : {}),
    });
  } finally {
    if (scratch !== "/") rmSync(scratch, { recursive: true, force: true });
    // The tasks are gone (killed on exit); the directories go in the background.
    cgroup?.release();
  }
  if (run.aborted) throw signal?.reason ?? new Error("verification aborted");
  const report = parseHarnessOutput(run.stdout, examples.length, classes.length);
  const answered = "predicted" in report ? report.predicted : report.state === "done" ? examples.length : 0;
  const { kind, message } = classify(run, report, clock.describe(answered), limits);
  const functionName = "functionName" in report ? report.functionName : undefined;
  const scores: Partial<Record<SplitName, SplitScore>> = {};
  const outcomes: Partial<Record<SplitName, SplitOutcome>> = {};
  const failed = kind !== "ok" || report.state !== "done";
  // Predictions that arrived, whatever happened later: a split fully answered keeps its score.
  const predictions =
    report.state === "done" || report.state === "incomplete" || report.state === "aborted"
      ? answeredPredictions(run.stdout, answered)
      : "";
  const classOf = (byte: number) => classOfIn(classes, byte);
  let at = 0;
  let firstFailed: SplitName | undefined;
  for (const s of splits) {
    const exs = job.splits[s]!;
    const complete = !failed || at + exs.length <= predictions.length;
    let correct = 0;
    let exceptions = 0;
    if (complete) {
      for (const e of exs) {
        const p = predictions.charCodeAt(at++);
        if (p === 69 /* E */) exceptions++;
        else if (classes.length === 0 ? p - 48 === e.y : classOf(p) === String(e.y)) correct++;
      }
      scores[s] = { correct, total: exs.length, accuracy: exs.length ? correct / exs.length : 0, exceptions };
      outcomes[s] = { kind: "ok", message: "" };
    } else {
      at += exs.length;
      scores[s] = { correct: 0, total: exs.length, accuracy: 0, exceptions: 0 };
      outcomes[s] =
        firstFailed === undefined
          ? { kind, message }
          : { kind, message: `not reached: the run ended in ${firstFailed}` };
      firstFailed ??= s;
    }
  }
  if (!failed && report.state === "done") {
    return {
      result: {
        kind: "ok",
        message: report.exceptions
          ? `raised on ${report.exceptions} input(s), first: ${report.firstException}`
          : "",
        scores,
        splitOutcomes: outcomes,
        ...(functionName ? { functionName } : {}),
        durationMs: performance.now() - started,
      },
      run,
    };
  }
  return {
    result: {
      kind,
      message,
      scores,
      splitOutcomes: outcomes,
      ...(functionName ? { functionName } : {}),
      durationMs: performance.now() - started,
    },
    run,
  };
}

/** The class a prediction byte stands for (undefined: '?', none of them). */
function classOfIn(classes: readonly string[], byte: number): string | undefined {
  const i = CLASS_CHARS.indexOf(String.fromCharCode(byte));
  return i >= 0 ? classes[i] : undefined;
}

/** The prediction bytes among the first `answered` after the "L name" line. */
function answeredPredictions(out: Buffer, answered: number): string {
  const text = out.toString("latin1");
  if (!text.startsWith("L ")) return "";
  const start = text.indexOf("\n") + 1;
  if (start <= 0) return "";
  return text.slice(start, start + answered);
}

/**
 * Per-split wall clocks: watches the result channel, counts answers as they arrive, and moves the
 * deadline when a split's last answer arrives (the next split gets `wallMs` of its own).
 */
function splitClock(names: readonly SplitName[], sizes: readonly number[], wallMs: number, answers: RegExp) {
  const ends: number[] = [];
  let total = 0;
  for (const n of sizes) {
    total += n;
    ends.push(total);
  }
  let headerDone = false;
  let ended = false;
  let pending = "";
  let answered = 0;
  let split = 0;
  const advance = (): boolean => {
    let moved = false;
    while (split < ends.length - 1 && answered >= ends[split]!) {
      split++;
      moved = true;
    }
    return moved;
  };
  return {
    onStdout(chunk: Buffer, at: number): number | undefined {
      let text = chunk.toString("latin1");
      if (!headerDone) {
        pending += text;
        const nl = pending.indexOf("\n");
        if (!pending.startsWith("L ") || nl < 0) {
          if (pending.length > 4096) pending = pending.slice(0, 4096);
          return undefined;
        }
        headerDone = true;
        text = pending.slice(nl + 1);
        pending = "";
      }
      if (ended) return undefined;
      const m = answers.exec(text)![0].length;
      answered += m;
      if (m < text.length) ended = true;
      return advance() ? at + wallMs : undefined;
    },
    /** " in <split> after a/b inputs answered", from the answers counted. */
    describe(count: number): string {
      let before = 0;
      for (let i = 0; i < ends.length; i++) {
        if (count < ends[i]! || i === ends.length - 1) {
          return ` in ${names[i]} after ${count - before}/${ends[i]! - before} inputs answered`;
        }
        before = ends[i]!;
      }
      return "";
    },
  };
}

/** Child run + harness report -> outcome kind and a short message. Limits are checked first. */
function classify(
  run: ChildRun,
  report: HarnessReport,
  where: string,
  limits: SandboxLimits,
): { kind: OutcomeKind; message: string } {
  const progress = report.state === "incomplete" || report.state === "aborted" ? where : "";
  if (run.spawnError)
    return { kind: "sandbox_error", message: `could not start the sandbox: ${run.spawnError}` };
  if (run.outputExceeded) {
    return {
      kind: "output_limit",
      message: `wrote more than ${limits.outputSlackBytes} bytes beyond one per input on the result channel`,
    };
  }
  if (run.timedOut) {
    const hung = run.hung ? " (the sandbox did not exit when killed and was abandoned)" : "";
    return { kind: "timeout", message: `wall clock limit of ${limits.wallMs} ms exceeded${where}${hung}` };
  }
  if (run.oomKilled) {
    return {
      kind: "memory_limit",
      message: `the candidate's cgroup reached its memory limit of ${limits.memoryBytes} bytes${progress}`,
    };
  }
  if (run.signal === "SIGXCPU") {
    return { kind: "timeout", message: `CPU time limit of ${limits.cpuSeconds} s exceeded${progress}` };
  }
  if (report.state === "garbage") return { kind: "protocol_error", message: report.message };
  if (report.state === "done" && run.exitCode === 0) return { kind: "ok", message: "" };
  if (report.state === "failed" || report.state === "aborted") {
    return { kind: report.kind, message: report.message + (report.state === "aborted" ? progress : "") };
  }
  if (run.exitCode === CGROUP_JOIN_FAILED && report.state === "incomplete" && report.predicted === 0) {
    return { kind: "sandbox_error", message: "could not place the child in its cgroup" };
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
    // Nothing reached the harness protocol: the launcher or the interpreter failed to start. (Once
    // candidate code runs, the harness has closed its stderr, so this text is never the candidate's.)
    return {
      kind: "sandbox_error",
      message: `the child failed before the harness ran: ${sanitizeChildText(stderr)}`,
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

function makeScratch(forNobody: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), "llm-erm-scratch-"));
  if (forNobody) chownSync(dir, NOBODY, NOBODY);
  return dir;
}
