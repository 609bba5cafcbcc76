import { lstatSync, readlinkSync } from "node:fs";
import type { PythonInfo } from "./python-probe.js";
import type { SandboxLimits } from "./types.js";

/** How the child is isolated, strongest first; the verifier uses the first tier that works here. */
export type SandboxMode = "bubblewrap" | "unshare" | "rlimits";

export interface SandboxTier {
  readonly mode: SandboxMode;
  /** Spawn the launcher as uid/gid 65534 (we are root and nobody can run the interpreter). */
  readonly asNobody: boolean;
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

/** What the installed bwrap can do (`--size` arrived in bubblewrap 0.7). */
export interface BwrapFeatures {
  readonly path: string;
  readonly tmpfsSize: boolean;
}

function bwrapArgs(
  info: PythonInfo,
  limits: SandboxLimits,
  harness: string,
  seccomp: boolean,
  features: BwrapFeatures = { path: "bwrap", tmpfsSize: true },
): string[] {
  const args = [
    "--unshare-user",
    "--unshare-ipc",
    "--unshare-pid",
    "--unshare-net",
    "--unshare-uts",
    "--unshare-cgroup-try",
    "--die-with-parent",
    "--new-session",
    "--uid",
    String(NOBODY),
    "--gid",
    String(NOBODY),
    "--hostname",
    "sandbox",
    "--ro-bind",
    "/usr",
    "/usr",
  ];
  for (const entry of ROOT_ENTRIES) {
    const stat = lstatOrNull(entry);
    if (!stat) continue;
    if (stat.isSymbolicLink()) args.push("--symlink", readlinkSync(entry), entry);
    else if (stat.isDirectory()) args.push("--ro-bind", entry, entry);
  }
  args.push("--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache");
  args.push("--proc", "/proc", "--dev", "/dev");
  // The scratch tmpfs first: an interpreter (a venv) that lives under /tmp is bound on top of it.
  if (features.tmpfsSize) args.push("--size", String(limits.scratchBytes));
  args.push("--tmpfs", "/tmp");
  for (const dir of pythonBinds(info)) args.push("--ro-bind-try", dir, dir);
  args.push("--chdir", "/tmp");
  if (seccomp) args.push("--seccomp", "3");
  args.push("--", info.executable, ...pythonArgs(harness));
  return args;
}

function pythonArgs(harness: string): string[] {
  // -I: no user site, no PYTHON* variables, no cwd on sys.path; -S: no site.py (sys.path comes from
  // the probe); -B: never write .pyc files.
  return ["-I", "-S", "-B", "-c", harness];
}

/** What every child of one verifier shares: the tier chosen, the interpreter, the limits, the harness
 * source, what bwrap can do and the seccomp filter file (when one was built). */
export interface SandboxSetup {
  readonly tier: SandboxTier;
  readonly python: PythonInfo;
  readonly limits: SandboxLimits;
  readonly harness: string;
  readonly bwrap: BwrapFeatures;
  readonly filterFile: string | undefined;
}

/** How to start the child for `setup`; tiers without a private /tmp run in `scratch`. */
export function launchFor(setup: SandboxSetup, scratch: string): Launch {
  const { tier, python: info, limits, harness, bwrap } = setup;
  const ids = tier.asNobody ? { uid: NOBODY, gid: NOBODY } : {};
  if (tier.mode === "bubblewrap") {
    return {
      command: bwrap.path,
      args: bwrapArgs(info, limits, harness, tier.seccomp, bwrap),
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
