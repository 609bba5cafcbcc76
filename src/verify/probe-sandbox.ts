import { execFileSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { join } from "node:path";
import type { CgroupManager } from "./cgroup.js";
import { parseHarnessOutput } from "./protocol.js";
import type { PythonInfo } from "./python-probe.js";
import type { LauncherFeatures, SandboxChoice, SandboxSetup, SandboxTier } from "./sandbox-launch.js";
import type { ProtectionReport, SandboxLimits, VerifyJob } from "./types.js";
import { verifyOneObserved } from "./verify-one.js";

export interface SandboxProbeInput {
  readonly python: PythonInfo;
  readonly limits: SandboxLimits;
  readonly harness: string;
  /** The seccomp filter file, when a filter exists for this architecture. */
  readonly filterFile: string | undefined;
  /** What the user asked for: auto is bubblewrap or nothing. */
  readonly choice: SandboxChoice;
  /** Per-candidate cgroups, or why there are none. */
  readonly cgroups: CgroupManager | { readonly unavailable: string };
  readonly log: (event: Record<string, unknown>) => void;
}

export type ProbeOutcome =
  | { readonly ok: true; readonly setup: SandboxSetup; readonly protections: ProtectionReport }
  /** No tier allowed by the choice holds here; `reasons` says why each failed. */
  | { readonly ok: false; readonly reasons: readonly string[] };

/**
 * Each check returns 1 when the protection holds (as seen from inside the sandbox). None of them
 * changes anything on a host where the protection is missing: a sysctl is opened and closed without a
 * write, /dev/null is chmod'ed to the mode it already has, a forked child exits at once.
 */
const CHECKS = [
  "harness",
  "not_root_inside",
  "proc_sys_read_only",
  "devices_protected",
  "no_fork",
  "net_isolated",
  "fs_isolated",
  "seccomp",
  "no_new_privs",
  "no_capabilities",
  "private_shm",
] as const;
type Check = (typeof CHECKS)[number];

function probeCode(shmBytes: number): string {
  return `import os
def _status(key):
    for line in open('/proc/self/status'):
        if line.startswith(key + ':'):
            return line.split(':', 1)[1].strip()
    return ''
def f(x):
    if x == 'harness':
        # Stay alive long enough for the parent to read this process's uid and cgroup from outside.
        import time
        time.sleep(0.5)
        return 1
    if x == 'not_root_inside':
        return os.getuid() != 0 and os.geteuid() != 0
    if x == 'proc_sys_read_only':
        try:
            open('/proc/sys/kernel/core_pattern', 'a').close()
            return 0
        except OSError:
            return 1
    if x == 'devices_protected':
        try:
            os.chmod('/dev/null', 0o666)
            return 0
        except OSError:
            return 1
    if x == 'no_fork':
        try:
            pid = os.fork()
        except OSError:
            return 1
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
        return 0
    if x == 'net_isolated':
        names = [l.split(':')[0].strip() for l in open('/proc/self/net/dev').readlines()[2:]]
        return names == ['lo']
    if x == 'fs_isolated':
        return not os.path.exists('/etc/passwd') and not os.path.exists('/home')
    if x == 'seccomp':
        return _status('Seccomp') == '2'
    if x == 'no_new_privs':
        return _status('NoNewPrivs') == '1'
    if x == 'no_capabilities':
        return int(_status('CapEff'), 16) == 0 and int(_status('CapPrm'), 16) == 0
    if x == 'private_shm':
        st = os.statvfs('/dev/shm')
        return st.f_blocks * st.f_frsize <= ${shmBytes}
    return 0
`;
}

/** What each tier must show before it is used: a tier that promises a protection and lacks it fails. */
function required(tier: SandboxTier, seccompBuilt: boolean): Check[] {
  const base: Check[] = ["harness"];
  if (tier.drop !== "root")
    base.push("no_capabilities", "not_root_inside", "devices_protected", "proc_sys_read_only");
  if (tier.mode === "bubblewrap") {
    base.push("net_isolated", "fs_isolated", "no_new_privs", "private_shm");
    if (seccompBuilt) base.push("seccomp", "no_fork");
  }
  if (tier.mode === "unshare") base.push("net_isolated");
  return base;
}

/**
 * Finds bwrap, setpriv and unshare, tries the tiers the choice allows (strongest first) with a probe
 * job that measures each protection from inside and the child's uid and cgroup from outside, logs each
 * try as a `sandbox_probe` event, and returns the first tier whose promises all hold.
 */
export async function probeSandbox(input: SandboxProbeInput): Promise<ProbeOutcome> {
  const { python, limits, harness, filterFile, log, choice } = input;
  const bwrapPath = findOnPath("bwrap");
  const tools: LauncherFeatures = {
    bwrap: bwrapPath ?? "bwrap",
    tmpfsSize: bwrapPath ? bwrapHelp(bwrapPath).includes("--size") : false,
    setpriv: findOnPath("setpriv", ["/usr/bin", "/usr/sbin", "/bin", "/sbin"]),
  };
  const isRoot = process.getuid?.() === 0;
  const reasons: string[] = [];
  if ((choice === "auto" || choice === "bubblewrap") && !bwrapPath)
    reasons.push("bubblewrap: bwrap not found on PATH");
  if (choice === "unshare" && !findOnPath("unshare")) reasons.push("unshare: not found on PATH");
  const cgroups = "create" in input.cgroups ? input.cgroups : undefined;
  const tiers = tierCandidates(choice, bwrapPath, findOnPath("unshare"), tools.setpriv, !!filterFile, isRoot);
  for (const tier of tiers) {
    const setup: SandboxSetup = { tier, python, limits, harness, tools, filterFile, cgroups };
    const measured = await measure(setup);
    const missing =
      measured.error ??
      [
        ...required(tier, !!filterFile).filter((c) => !measured.checks[c]),
        ...(tier.drop !== "root" && measured.uidOutside === 0 ? ["host uid 0 seen from outside"] : []),
        ...(tier.drop !== "root" && measured.uidOutside === undefined
          ? ["the child's uid could not be read"]
          : []),
      ].join(", ");
    log({
      event: "sandbox_probe",
      ...describeTier(tier),
      ok: !missing,
      ...(missing ? { reason: missing } : {}),
    });
    if (!missing) {
      return { ok: true, setup, protections: protectionsFor(setup, measured, input.cgroups) };
    }
    reasons.push(`${describeTierText(tier)}: ${missing}`);
  }
  return { ok: false, reasons };
}

interface Measured {
  readonly checks: Partial<Record<Check, boolean>>;
  readonly uidOutside: number | undefined;
  readonly inCgroup: boolean;
  /** Why the probe itself did not run. */
  readonly error?: string;
}

async function measure(setup: SandboxSetup): Promise<Measured> {
  const probe: VerifyJob = {
    code: probeCode(setup.limits.scratchBytes),
    splits: { train: CHECKS.map((x) => ({ x, y: 1 as const })) },
  };
  const limits = { ...setup.limits, wallMs: Math.max(setup.limits.wallMs, 10_000) };
  const { result, run } = await verifyOneObserved(probe, { ...setup, limits }, undefined, true);
  const report = run ? parseHarnessOutput(run.stdout, CHECKS.length) : undefined;
  if (result.kind !== "ok" || report?.state !== "done") {
    return {
      checks: {},
      uidOutside: run?.observedUid,
      inCgroup: false,
      error: `${result.kind}: ${result.message}`,
    };
  }
  const checks: Partial<Record<Check, boolean>> = {};
  CHECKS.forEach((c, i) => {
    checks[c] = report.predictions[i] === "1";
  });
  const inCgroup = run?.observedCgroup?.includes("llm-erm-") ?? false;
  return { checks, uidOutside: run?.observedUid, inCgroup };
}

/**
 * Tiers to probe, strongest first. auto and bubblewrap: bwrap with a real uid drop (never a user
 * namespace that maps the child to host uid 0). unshare: only with a drop to 65534. rlimits: as nobody
 * when nobody can run the interpreter, else (root only) as root, which the protections report flags.
 */
function tierCandidates(
  choice: SandboxChoice,
  bwrap: string | undefined,
  unshare: string | undefined,
  setpriv: string | undefined,
  seccomp: boolean,
  isRoot: boolean,
): SandboxTier[] {
  const tiers: SandboxTier[] = [];
  if ((choice === "auto" || choice === "bubblewrap") && bwrap) {
    if (isRoot) {
      if (setpriv) tiers.push({ mode: "bubblewrap", drop: "setpriv", seccomp });
      tiers.push({ mode: "bubblewrap", drop: "spawn", seccomp });
    } else {
      tiers.push({ mode: "bubblewrap", drop: "none", seccomp });
    }
  }
  if (choice === "unshare" && unshare)
    tiers.push({ mode: "unshare", drop: isRoot ? "spawn" : "none", seccomp: false });
  if (choice === "rlimits") {
    if (isRoot)
      tiers.push(
        { mode: "rlimits", drop: "spawn", seccomp: false },
        { mode: "rlimits", drop: "root", seccomp: false },
      );
    else tiers.push({ mode: "rlimits", drop: "none", seccomp: false });
  }
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

function findOnPath(name: string, extra: readonly string[] = []): string | undefined {
  for (const dir of [...(process.env.PATH ?? "/usr/bin:/bin").split(":"), ...extra]) {
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
  return { mode: tier.mode, uid_drop: tier.drop, seccomp: tier.seccomp };
}

function describeTierText(tier: SandboxTier): string {
  return `${tier.mode} (uid drop: ${tier.drop}${tier.seccomp ? ", seccomp" : ""})`;
}

const GIVES_UP: Readonly<Record<string, string>> = {
  unshare:
    "--sandbox unshare: the host filesystem is visible (the candidate can read every file its uid may: " +
    "datasets and their labels included); no seccomp filter (it can fork); namespaces for net, pid, ipc",
  rlimits:
    "--sandbox rlimits: no isolation beyond rlimits and the cgroup: the candidate sees the host " +
    "filesystem (labels included), the network, and every process of its uid",
  root: "the candidate runs as root (uid 0): nobody cannot run this interpreter; it can read and write anything root can",
};

function protectionsFor(
  setup: SandboxSetup,
  m: Measured,
  cgroups: CgroupManager | { readonly unavailable: string },
): ProtectionReport {
  const { tier, python, limits, tools } = setup;
  const bw = tier.mode === "bubblewrap";
  const c = (k: Check) => m.checks[k] === true;
  const warnings = [
    ...(tier.mode !== "bubblewrap" ? [GIVES_UP[tier.mode]!] : []),
    ...(tier.drop === "root" ? [GIVES_UP.root!] : []),
    ...("create" in cgroups ? [] : [`no cgroup limits: ${cgroups.unavailable}`]),
  ];
  return {
    mode: tier.mode,
    bubblewrap: bw,
    uid_drop: tier.drop,
    uid_outside: m.uidOutside === undefined ? "unknown" : String(m.uidOutside),
    host_root: m.uidOutside === 0 || tier.drop === "root",
    uid:
      m.uidOutside === undefined
        ? "unknown"
        : m.uidOutside === 0
          ? "root (uid 0 seen from outside): NOT dropped"
          : `${m.uidOutside} seen from outside${m.uidOutside === 65534 ? " (nobody)" : ""}`,
    user_namespace: bw && tier.drop !== "setpriv",
    net_namespace: c("net_isolated"),
    pid_namespace: tier.mode !== "rlimits",
    ipc_namespace: tier.mode !== "rlimits",
    filesystem_isolated: bw && c("fs_isolated"),
    filesystem: bw
      ? `read-only: only the interpreter and a scratch /tmp (${tools.tmpfsSize ? `${limits.scratchBytes} bytes` : "tmpfs, no size cap: bwrap < 0.7"}) are visible`
      : "host filesystem visible (no bubblewrap); writes limited to what the uid may write",
    proc_sys_read_only: c("proc_sys_read_only"),
    devices_protected: c("devices_protected"),
    private_shm: bw && c("private_shm"),
    seccomp: c("seccomp"),
    seccomp_detail: c("seccomp")
      ? "no fork/clone (threads allowed), no non-unix sockets, no ptrace/pidfd/process_vm/mount/unshare/bpf"
      : setup.filterFile
        ? "not loaded (needs bubblewrap)"
        : `no syscall table for ${process.arch}`,
    fork_blocked: c("no_fork"),
    no_new_privs: c("no_new_privs"),
    capabilities: c("no_capabilities") ? "none" : "SOME",
    cgroup:
      "create" in cgroups
        ? `${cgroups.version}: memory ${limits.memoryBytes} bytes, tasks ${limits.processes} + launcher, cpu ${limits.cpuCores} core(s); killed as a group (${cgroups.where})`
        : `none: ${cgroups.unavailable}`,
    cgroup_limits: "create" in cgroups && m.inCgroup,
    rlimits: true,
    rlimit_detail: `cpu=${limits.cpuSeconds}s per split, as=${limits.memoryBytes} nofile=${limits.openFiles} fsize=${limits.fileBytes} nproc=${limits.processes}`,
    wall_clock: `${limits.wallMs} ms per split; the process tree and cgroup are killed, the parent never waits on the child's pipes`,
    output_cap: `one byte per input + ${limits.outputSlackBytes} bytes; stderr read up to 4 KiB; candidate stdout/stderr go to /dev/null`,
    clean_env: true,
    python: `${python.executable} (${python.version})`,
    warnings: warnings.join("; "),
  };
}
