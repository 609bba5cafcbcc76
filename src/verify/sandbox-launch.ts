import { lstatSync, readlinkSync } from "node:fs";
import type { CandidateCgroup, CgroupManager } from "./cgroup.js";
import type { PythonInfo } from "./python-probe.js";
import type { SandboxLimits } from "./types.js";

/** How the child is isolated, strongest first. */
export type SandboxMode = "bubblewrap" | "unshare" | "rlimits";
/** What the user asks for (`--sandbox`): auto is bubblewrap or a refusal, never a silent downgrade. */
export type SandboxChoice = "auto" | SandboxMode;
export const SANDBOX_CHOICES: readonly SandboxChoice[] = ["auto", "bubblewrap", "unshare", "rlimits"];

/**
 * How the candidate gets a uid that is not the host's root:
 * - `setpriv`: we are root; bwrap runs privileged (no user namespace, so no uid maps to 0 outside) and
 *   util-linux `setpriv` drops to 65534 with no capabilities before the interpreter starts. The
 *   interpreter's directories are bound into the sandbox, so an interpreter under /root still runs.
 * - `spawn`: we are root; the launcher itself is spawned as 65534 (needs an interpreter nobody can reach).
 * - `none`: we are not root; the child keeps our uid (bwrap maps it to 65534 in a user namespace).
 * - `root`: we are root and nothing drops (only for `--sandbox rlimits` named by the user, with a warning).
 */
export type UidDrop = "setpriv" | "spawn" | "none" | "root";

export interface SandboxTier {
  readonly mode: SandboxMode;
  readonly drop: UidDrop;
  /** Pass the seccomp filter to bwrap on fd 3. */
  readonly seccomp: boolean;
}

/** One way to start the child: the harness source runs as `python -I -S -c <harness>`. */
export interface Launch {
  readonly command: string;
  readonly args: readonly string[];
  readonly uid?: number;
  readonly gid?: number;
  readonly env: Readonly<Record<string, string>>;
  /** cwd of the launcher (a scratch dir for tiers without a private /tmp). */
  readonly cwd: string;
  /** bwrap and unshare report a child killed by signal n as exit status 128+n. */
  readonly exitCodeIsSignal: boolean;
}

export const NOBODY = 65534;
/** Exit status of the cgroup wrapper when it could not join the candidate's group. */
export const CGROUP_JOIN_FAILED = 125;

/** The environment the candidate sees: no API keys, no user paths; BLAS/OpenMP kept single-threaded. */
function sandboxEnv(home: string): Record<string, string> {
  return {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    LANG: "C.UTF-8",
    LC_ALL: "C.UTF-8",
    HOME: home,
    TMPDIR: home,
    OPENBLAS_NUM_THREADS: "1",
    OMP_NUM_THREADS: "1",
    MKL_NUM_THREADS: "1",
  };
}

/** Top-level entries a dynamically linked python needs besides /usr (merged-/usr symlinks or dirs). */
const ROOT_ENTRIES = ["/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"];
/** Global /proc entries that stay read-only even where the kernel would let a uid write them. */
const PROC_READ_ONLY = ["/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus", "/proc/fs"];

/** Interpreter directories to bind read-only: outside /usr, not nested in one another, never `/`. */
function pythonBinds(info: PythonInfo): string[] {
  const dirs = [...new Set(info.dirs)]
    .filter((d) => d !== "/" && d !== "/usr" && !d.startsWith("/usr/"))
    .sort((a, b) => a.length - b.length);
  const kept: string[] = [];
  for (const d of dirs) {
    if (!kept.some((k) => d === k || d.startsWith(`${k}/`))) kept.push(d);
  }
  return kept;
}

/** Every ancestor of the bind targets that the sandbox does not already have (never /tmp, /usr...). */
function parentsToCreate(binds: readonly string[]): string[] {
  const made = new Set<string>();
  // Read-only trees of the sandbox (nothing can be made in them); /tmp is our tmpfs, so directories
  // under it are made like any other, /tmp itself keeps its 1777.
  const readOnly = ["/usr", "/dev", "/proc", ...ROOT_ENTRIES];
  for (const dir of binds) {
    const parts = dir.split("/").filter(Boolean);
    for (let i = 1; i < parts.length; i++) {
      const p = `/${parts.slice(0, i).join("/")}`;
      if (p === "/tmp" || readOnly.some((o) => p === o || p.startsWith(`${o}/`))) continue;
      made.add(p);
    }
  }
  return [...made].sort((a, b) => a.length - b.length);
}

/** What the installed tools can do: bwrap (`--size` arrived in 0.7) and util-linux setpriv. */
export interface LauncherFeatures {
  readonly bwrap: string;
  readonly tmpfsSize: boolean;
  readonly setpriv: string | undefined;
}

/** The setpriv command that drops to 65534 for good: no groups, no capabilities, no new privileges,
 * and SIGKILL when its parent (bwrap) dies. */
function setprivArgs(setpriv: string): string[] {
  return [
    setpriv,
    `--reuid=${NOBODY}`,
    `--regid=${NOBODY}`,
    "--clear-groups",
    "--no-new-privs",
    "--bounding-set=-all",
    "--inh-caps=-all",
    "--pdeathsig=KILL",
    "--",
  ];
}

function bwrapArgs(setup: SandboxSetup): string[] {
  const { tier, python: info, limits, harness, tools } = setup;
  const args: string[] = [];
  // Privileged bwrap (root, uid dropped by setpriv) needs no user namespace; otherwise the user
  // namespace maps our uid (never 0) to 65534 inside.
  if (tier.drop !== "setpriv") args.push("--unshare-user", "--uid", String(NOBODY), "--gid", String(NOBODY));
  // Where the candidate shares its uid with bwrap (a user namespace), bwrap's reaper must not be in
  // its pid namespace: its memory (/proc/1/mem) and descriptors would be the candidate's to take, so
  // the interpreter is pid 1 itself. With setpriv the reaper is root's and out of the candidate's
  // reach, and it stays: the kernel does not deliver the parent-death signal to a pid namespace's
  // init (seen here), while the reaper, killed with bwrap, takes the whole namespace with it.
  if (tier.drop !== "setpriv") args.push("--as-pid-1");
  args.push(
    "--unshare-ipc",
    "--unshare-pid",
    "--unshare-net",
    "--unshare-uts",
    "--unshare-cgroup-try",
    "--die-with-parent",
    "--new-session",
    "--hostname",
    "sandbox",
    "--ro-bind",
    "/usr",
    "/usr",
  );
  for (const entry of ROOT_ENTRIES) {
    const stat = lstatOrNull(entry);
    if (!stat) continue;
    if (stat.isSymbolicLink()) args.push("--symlink", readlinkSync(entry), entry);
    else if (stat.isDirectory()) args.push("--ro-bind", entry, entry);
  }
  args.push("--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache");
  args.push("--proc", "/proc");
  for (const p of PROC_READ_ONLY) args.push("--ro-bind-try", p, p);
  args.push("--dev", "/dev");
  const sized = (bytes: number) => (tools.tmpfsSize ? ["--size", String(bytes)] : []);
  // A private /dev/shm, size-capped (the cgroup counts its pages too).
  args.push("--perms", "1777", ...sized(limits.scratchBytes), "--tmpfs", "/dev/shm");
  // The scratch tmpfs first: an interpreter (a venv) that lives under /tmp is bound on top of it.
  args.push("--perms", "1777", ...sized(limits.scratchBytes), "--tmpfs", "/tmp");
  const binds = pythonBinds(info);
  // The directories above a bind are made 0755 (bwrap would copy /root's 0700, which a dropped uid
  // cannot cross); what is bound stays read-only and nothing else of those directories is visible.
  for (const dir of parentsToCreate(binds)) args.push("--perms", "0755", "--dir", dir);
  for (const dir of binds) args.push("--ro-bind-try", dir, dir);
  args.push("--chdir", "/tmp");
  if (tier.seccomp) args.push("--seccomp", "3");
  args.push("--");
  if (tier.drop === "setpriv") args.push(...setprivArgs(tools.setpriv ?? "/usr/bin/setpriv"));
  args.push(info.executable, ...pythonArgs(harness));
  return args;
}

function pythonArgs(harness: string): string[] {
  // -I: no user site, no PYTHON* variables, no cwd on sys.path; -S: no site.py (sys.path comes from
  // the probe); -B: never write .pyc files.
  return ["-I", "-S", "-B", "-c", harness];
}

/** What every child of one verifier shares: the tier chosen, the interpreter, the limits, the harness
 * source, the tools found and the seccomp filter file (when one was built). */
export interface SandboxSetup {
  readonly tier: SandboxTier;
  readonly python: PythonInfo;
  readonly limits: SandboxLimits;
  readonly harness: string;
  readonly tools: LauncherFeatures;
  readonly filterFile: string | undefined;
  /** Per-candidate cgroups (memory, tasks, CPU), when the machine gives them. */
  readonly cgroups: CgroupManager | undefined;
}

/** Tasks the launcher itself adds to the candidate's cgroup. */
export function launcherTasks(tier: SandboxTier): number {
  if (tier.mode === "rlimits") return 0;
  // bwrap (or unshare) outside, plus bwrap's reaper inside when the interpreter is not pid 1.
  return tier.mode === "bubblewrap" && tier.drop === "setpriv" ? 2 : 1;
}

/**
 * How to start the child for `setup`; tiers without a private /tmp run in `scratch`. With a cgroup,
 * a /bin/sh wrapper writes its own pid into the group's cgroup.procs files and then execs the
 * launcher, so every process of the sandbox is born inside the group.
 */
export function launchFor(setup: SandboxSetup, scratch: string, cgroup?: CandidateCgroup): Launch {
  const base = plainLaunch(setup, scratch);
  if (!cgroup) return base;
  const script = `n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit ${CGROUP_JOIN_FAILED}; shift; n=$((n-1)); done; exec "$@"`;
  return {
    ...base,
    command: "/bin/sh",
    args: [
      "-c",
      script,
      "sh",
      String(cgroup.procsFiles.length),
      ...cgroup.procsFiles,
      base.command,
      ...base.args,
    ],
  };
}

function plainLaunch(setup: SandboxSetup, scratch: string): Launch {
  const { tier, python: info, harness, tools } = setup;
  const ids = tier.drop === "spawn" ? { uid: NOBODY, gid: NOBODY } : {};
  if (tier.mode === "bubblewrap") {
    return {
      command: tools.bwrap,
      args: bwrapArgs(setup),
      ...ids,
      env: sandboxEnv("/tmp"),
      cwd: "/",
      exitCodeIsSignal: true,
    };
  }
  if (tier.mode === "unshare") {
    return {
      command: "unshare",
      args: [
        "--user",
        "--net",
        "--ipc",
        "--uts",
        "--pid",
        "--fork",
        "--kill-child",
        "--",
        info.executable,
        ...pythonArgs(harness),
      ],
      ...ids,
      env: sandboxEnv(scratch),
      cwd: scratch,
      // unshare --fork exits with 128+n when its child dies by signal n.
      exitCodeIsSignal: true,
    };
  }
  return {
    command: info.executable,
    args: pythonArgs(harness),
    ...ids,
    env: sandboxEnv(scratch),
    cwd: scratch,
    exitCodeIsSignal: false,
  };
}

function lstatOrNull(p: string) {
  try {
    return lstatSync(p);
  } catch {
    return null;
  }
}
