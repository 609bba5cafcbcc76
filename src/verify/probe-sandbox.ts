import { execFileSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { join } from "node:path";
import type { PythonInfo } from "./python-probe.js";
import type { BwrapFeatures, SandboxMode, SandboxSetup, SandboxTier } from "./sandbox-launch.js";
import type { ProtectionReport, SandboxLimits, VerifyJob } from "./types.js";
import { verifyOne } from "./verify-one.js";

export interface SandboxProbeInput {
  readonly python: PythonInfo;
  readonly limits: SandboxLimits;
  readonly harness: string;
  /** The seccomp filter file, when a filter exists for this architecture. */
  readonly filterFile: string | undefined;
  /** Strongest tier to try. */
  readonly maxMode: SandboxMode;
  readonly log: (event: Record<string, unknown>) => void;
}

/**
 * Finds bwrap and unshare, tries the tiers strongest first with a small probe job (logging each try as
 * a `sandbox_probe` event) and returns the first that really runs the harness here, with the
 * protections it gives; undefined when none does.
 */
export async function probeSandbox(
  input: SandboxProbeInput,
): Promise<{ setup: SandboxSetup; protections: ProtectionReport } | undefined> {
  const { python, limits, harness, filterFile, log } = input;
  const bwrapPath = findOnPath("bwrap");
  const bwrap: BwrapFeatures = {
    path: bwrapPath ?? "bwrap",
    tmpfsSize: bwrapPath ? bwrapHelp(bwrapPath).includes("--size") : false,
  };
  const isRoot = process.getuid?.() === 0;
  const tiers = tierCandidates(input.maxMode, bwrapPath, findOnPath("unshare"), !!filterFile, isRoot);
  if (!bwrapPath)
    log({ event: "sandbox_probe", mode: "bubblewrap", ok: false, reason: "bwrap not found on PATH" });
  for (const tier of tiers) {
    const setup: SandboxSetup = { tier, python, limits, harness, bwrap, filterFile };
    const reason = await tryTier(setup);
    log({
      event: "sandbox_probe",
      ...describeTier(tier),
      ok: reason === null,
      ...(reason ? { reason } : {}),
    });
    if (reason === null) {
      return { setup, protections: protectionsFor(setup, isRoot, filterFile !== undefined) };
    }
  }
  return undefined;
}

/** null when the tier runs a tiny candidate correctly, else why not. */
async function tryTier(setup: SandboxSetup): Promise<string | null> {
  const probe: VerifyJob = {
    code: "import os\ndef f(x):\n    return os.getuid() >= 0 and x == 'a'\n",
    splits: {
      train: [
        { x: "a", y: 1 },
        { x: "b", y: 0 },
      ],
    },
  };
  const limits = { ...setup.limits, wallMs: Math.max(setup.limits.wallMs, 10_000) };
  const result = await verifyOne(probe, { ...setup, limits });
  if (result.kind === "ok" && result.scores.train?.correct === 2) return null;
  return `${result.kind}: ${result.message}`;
}

/**
 * Tiers to probe, strongest first. As root the child runs as nobody where nobody can run the
 * interpreter; bwrap alone can also map 65534 inside a user namespace. unshare as root without the
 * drop would leave root-owned files writable, so it is not tried; plain root is the last resort.
 */
function tierCandidates(
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

function protectionsFor(setup: SandboxSetup, isRoot: boolean, seccompBuilt: boolean): ProtectionReport {
  const { tier, python, limits, bwrap } = setup;
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
