import { execFileSync } from "node:child_process";
import { accessSync, chownSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import pLimit from "p-limit";
import type { Example, SplitName } from "../core/example.js";
import { extractCode } from "./extract.js";
import { encodeRequest, type HarnessReport, parseHarnessOutput } from "./protocol.js";
import { type PythonInfo, probePython } from "./python-probe.js";
import { type ChildRun, runChild } from "./run-child.js";
import {
  type BwrapFeatures,
  type Launch,
  launchFor,
  NOBODY,
  type SandboxMode,
  type SandboxTier,
} from "./sandbox-launch.js";
import { buildSeccompFilter } from "./seccomp-bpf.js";
import type {
  OutcomeKind,
  ProtectionReport,
  SandboxLimits,
  SplitScore,
  Verifier,
  VerifyJob,
  VerifyResult,
} from "./types.js";

export const DEFAULT_LIMITS: SandboxLimits = {
  wallMs: 20_000,
  cpuSeconds: 20,
  memoryBytes: 2 * 1024 ** 3,
  openFiles: 64,
  fileBytes: 16 * 1024 ** 2,
  processes: 1,
  scratchBytes: 64 * 1024 ** 2,
  outputSlackBytes: 64 * 1024,
};

export interface VerifierOptions {
  /** The interpreter (`--python`); default `python3` on PATH. */
  readonly python?: string;
  readonly limits?: Partial<SandboxLimits>;
  /** Children running at once; default: available cores. */
  readonly concurrency?: number;
  /** Structured events (the probe, the protections in force). */
  readonly log?: (event: Record<string, unknown>) => void;
  /** Strongest tier to try (tests use this to exercise the fallbacks); default bubblewrap. */
  readonly maxMode?: SandboxMode;
}

const SPLIT_ORDER: readonly SplitName[] = ["train", "val", "test"];
const HARNESS_URL = new URL("../../python/harness.py", import.meta.url);

/** The extended verifier: also says which tier it chose and what interpreter it runs. */
export interface SandboxVerifier extends Verifier {
  readonly mode: SandboxMode;
  readonly python: PythonInfo;
  readonly limits: SandboxLimits;
}

/**
 * Probe the machine once (interpreter, bubblewrap, namespaces, nobody, seccomp), pick the strongest
 * tier that really runs the harness here, log every protection, and verify jobs up to `concurrency`
 * at a time. A missing interpreter is a UsageError naming the path.
 */
export async function createVerifier(opts: VerifierOptions = {}): Promise<SandboxVerifier> {
  const log = opts.log ?? (() => {});
  const limits: SandboxLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const python = await probePython(opts.python ?? "python3");
  const harness = readFileSync(fileURLToPath(HARNESS_URL), "utf8");
  const privateDir = mkdtempSync(join(tmpdir(), "llm-erm-verify-"));
  const filter = buildSeccompFilter();
  const filterFile = filter ? join(privateDir, "seccomp.bpf") : undefined;
  if (filter && filterFile) writeFileSync(filterFile, filter);
  const bwrap = findOnPath("bwrap");
  const bwrapFeatures: BwrapFeatures = {
    path: bwrap ?? "bwrap",
    tmpfsSize: bwrap ? bwrapHelp(bwrap).includes("--size") : false,
  };
  const isRoot = process.getuid?.() === 0;

  const tiers = tierCandidates(
    opts.maxMode ?? "bubblewrap",
    bwrap,
    findOnPath("unshare"),
    !!filterFile,
    isRoot,
  );
  if (!bwrap)
    log({ event: "sandbox_probe", mode: "bubblewrap", ok: false, reason: "bwrap not found on PATH" });
  let chosen: SandboxTier | undefined;
  for (const tier of tiers) {
    const reason = await tryTier(tier, python, limits, harness, bwrapFeatures, filterFile);
    log({
      event: "sandbox_probe",
      ...describeTier(tier),
      ok: reason === null,
      ...(reason ? { reason } : {}),
    });
    if (reason === null) {
      chosen = tier;
      break;
    }
  }
  if (!chosen) {
    rmSync(privateDir, { recursive: true, force: true });
    throw new Error(
      `the sandbox could not run ${python.executable} in any mode; see the sandbox_probe log events`,
    );
  }
  const tier = chosen;
  const protections = protectionsFor(tier, isRoot, python, limits, filter !== undefined, bwrapFeatures);
  log({ event: "sandbox_protections", ...protections });

  const limit = pLimit(Math.max(1, opts.concurrency ?? availableParallelism()));
  let closed = false;
  return {
    mode: tier.mode,
    python,
    limits,
    protections,
    verify(job: VerifyJob, signal?: AbortSignal): Promise<VerifyResult> {
      if (closed) return Promise.reject(new Error("verifier is closed"));
      return limit(() => {
        signal?.throwIfAborted();
        return verifyOne(job, tier, python, limits, harness, bwrapFeatures, filterFile, signal);
      });
    },
    async close(): Promise<void> {
      closed = true;
      limit.clearQueue();
      while (limit.activeCount > 0) await new Promise((r) => setTimeout(r, 10));
      rmSync(privateDir, { recursive: true, force: true });
    },
  };
}

/**
 * Model text -> VerifyResult in one step (what the runner calls per attempt): extraction failure is
 * `no_code_found` with zero scores on every split asked for.
 */
export async function scoreCandidate(
  verifier: Verifier,
  text: string,
  splits: VerifyJob["splits"],
  signal?: AbortSignal,
): Promise<VerifyResult & { readonly code?: string; readonly via?: "json" | "brace_span" }> {
  const extraction = extractCode(text);
  if (!extraction.ok) {
    return { kind: "no_code_found", message: extraction.reason, scores: zeroScores(splits), durationMs: 0 };
  }
  const result = await verifier.verify({ code: extraction.code, splits }, signal);
  return { ...result, code: extraction.code, via: extraction.via };
}

async function tryTier(
  tier: SandboxTier,
  python: PythonInfo,
  limits: SandboxLimits,
  harness: string,
  bwrap: BwrapFeatures,
  filterFile: string | undefined,
): Promise<string | null> {
  const probe: VerifyJob = {
    code: "import os\ndef f(x):\n    return os.getuid() >= 0 and x == 'a'\n",
    splits: {
      train: [
        { x: "a", y: 1 },
        { x: "b", y: 0 },
      ],
    },
  };
  const probeLimits = { ...limits, wallMs: Math.max(limits.wallMs, 10_000) };
  const result = await verifyOne(probe, tier, python, probeLimits, harness, bwrap, filterFile);
  if (result.kind === "ok" && result.scores.train?.correct === 2) return null;
  return `${result.kind}: ${result.message}`;
}

async function verifyOne(
  job: VerifyJob,
  tier: SandboxTier,
  python: PythonInfo,
  limits: SandboxLimits,
  harness: string,
  bwrap: BwrapFeatures,
  filterFile: string | undefined,
  signal?: AbortSignal,
): Promise<VerifyResult> {
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
  const launch: Launch = launchFor(tier, python, limits, harness, bwrap, scratch);
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
export function classify(
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

function zeroScores(splits: VerifyJob["splits"]): Partial<Record<SplitName, SplitScore>> {
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

/**
 * Tiers to probe, strongest first. As root the child runs as nobody where nobody can run the
 * interpreter; bwrap alone can also map 65534 inside a user namespace. unshare as root without the
 * drop would leave root-owned files writable, so it is not tried; plain root is the last resort.
 */
export function tierCandidates(
  maxMode: SandboxMode,
  bwrap: string | undefined,
  unshare: string | undefined,
  seccomp: boolean,
  isRoot: boolean,
): SandboxTier[] {
  const order: SandboxMode[] = ["bubblewrap", "unshare", "rlimits"];
  const allowed = new Set(order.slice(order.indexOf(maxMode)));
  const tiers: SandboxTier[] = [];
  if (allowed.has("bubblewrap") && bwrap) {
    for (const sc of seccomp ? [true, false] : [false]) {
      if (isRoot) tiers.push({ mode: "bubblewrap", asNobody: true, seccomp: sc });
      tiers.push({ mode: "bubblewrap", asNobody: false, seccomp: sc });
    }
  }
  if (allowed.has("unshare") && unshare) tiers.push({ mode: "unshare", asNobody: isRoot, seccomp: false });
  if (isRoot) tiers.push({ mode: "rlimits", asNobody: true, seccomp: false });
  tiers.push({ mode: "rlimits", asNobody: false, seccomp: false });
  return tiers;
}

function bwrapHelp(bwrap: string): string {
  try {
    return execFileSync(bwrap, ["--help"], {
      encoding: "utf8",
      timeout: 5_000,
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (err) {
    return String((err as { stdout?: unknown }).stdout ?? "");
  }
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "/usr/bin:/bin").split(":")) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

function describeTier(tier: SandboxTier): Record<string, unknown> {
  return { mode: tier.mode, as_nobody: tier.asNobody, seccomp: tier.seccomp };
}

function protectionsFor(
  tier: SandboxTier,
  isRoot: boolean,
  python: PythonInfo,
  limits: SandboxLimits,
  seccompBuilt: boolean,
  bwrap: BwrapFeatures,
): ProtectionReport {
  const bw = tier.mode === "bubblewrap";
  const ns = tier.mode !== "rlimits";
  const uid = tier.asNobody
    ? "nobody (65534)"
    : bw && isRoot
      ? "65534 inside a user namespace (uid 0 outside, no capabilities)"
      : isRoot
        ? "root (nobody cannot run the interpreter): NOT dropped"
        : `unchanged (${process.getuid?.() ?? "?"}, not root)`;
  return {
    mode: tier.mode,
    bubblewrap: bw,
    user_namespace: ns,
    net_namespace: ns,
    pid_namespace: ns,
    ipc_namespace: ns,
    filesystem_isolated: bw,
    filesystem: bw
      ? `read-only: only the interpreter and a scratch /tmp (${bwrap.tmpfsSize ? `${limits.scratchBytes} bytes` : "tmpfs, no size cap: bwrap < 0.7"}) are visible`
      : "host filesystem visible (no bubblewrap); writes limited to what the uid may write",
    drop_to_nobody: tier.asNobody || (bw && isRoot),
    uid,
    seccomp: tier.seccomp,
    seccomp_detail: tier.seccomp
      ? "no fork/clone (threads allowed), no non-unix sockets, no ptrace/mount/unshare/bpf"
      : seccompBuilt
        ? "not loaded (needs bubblewrap)"
        : `no syscall table for ${process.arch}`,
    rlimits: true,
    rlimit_detail: `cpu=${limits.cpuSeconds}s as=${limits.memoryBytes} nofile=${limits.openFiles} fsize=${limits.fileBytes} nproc=${limits.processes}`,
    wall_clock: `${limits.wallMs} ms, process group killed`,
    output_cap: `one byte per input + ${limits.outputSlackBytes} bytes; candidate stdout/stderr go to /dev/null`,
    clean_env: true,
    python: `${python.executable} (${python.version})`,
  };
}
