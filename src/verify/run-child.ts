import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import type { CandidateCgroup } from "./cgroup.js";
import type { Launch } from "./sandbox-launch.js";

export interface ChildRun {
  readonly stdout: Buffer;
  /** First few KiB of stderr (the harness points fd 2 at /dev/null once it has read its input). */
  readonly stderr: string;
  /** Bytes read from stderr: reading stops soon after the kept prefix is full. */
  readonly stderrBytes: number;
  readonly exitCode: number | null;
  /** The signal that ended the child (for bwrap, decoded from its 128+n exit status). */
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly outputExceeded: boolean;
  readonly aborted: boolean;
  /** The launcher did not exit within the grace after it was killed: the parent gave up waiting. */
  readonly hung: boolean;
  /** The kernel's OOM killer ended a task of the candidate's cgroup. */
  readonly oomKilled: boolean;
  readonly spawnError?: string;
  readonly durationMs: number;
  /** Host uid of the sandboxed interpreter, read from /proc while it ran (when asked for). */
  readonly observedUid?: number;
  /** The candidate's cgroup as /proc showed it while it ran (when asked for). */
  readonly observedCgroup?: string;
}

export interface ChildOptions {
  readonly wallMs: number;
  readonly maxOutputBytes: number;
  /** A file whose bytes are given to the launcher on fd 3 (the seccomp filter for bwrap). */
  readonly fd3File?: string;
  readonly signal?: AbortSignal;
  /** The candidate's group: killed with the process tree at the deadline. */
  readonly cgroup?: CandidateCgroup;
  /**
   * Called with each chunk of the result channel and the time it arrived; returns a new absolute
   * deadline (performance.now() ms) when one split has finished and the next starts its own clock.
   */
  readonly onStdout?: (chunk: Buffer, at: number) => number | undefined;
  /** Read the interpreter's host uid and cgroup from /proc while it runs (the sandbox probe). */
  readonly observe?: { readonly executable: string };
  /** How long to wait for the launcher to exit after it was killed before giving up on it. */
  readonly killGraceMs?: number;
}

const STDERR_KEEP = 4096;
/** After the launcher exits, how long its pipes may take to deliver what is buffered. */
const DRAIN_MS = 250;

/**
 * Start the child in its own process group, feed stdin, read capped output, kill the whole tree and its
 * cgroup at the deadline. Finishes when the launcher exits (plus a short drain), never waiting for pipes
 * that a candidate keeps open, and gives up on a launcher that does not die within `killGraceMs`.
 */
export function runChild(launch: Launch, input: Buffer, opts: ChildOptions): Promise<ChildRun> {
  const started = performance.now();
  return new Promise((resolve) => {
    let fd3: number | undefined;
    let child: ChildProcess;
    try {
      if (opts.fd3File) fd3 = openSync(opts.fd3File, "r");
      child = spawn(launch.command, [...launch.args], {
        stdio: fd3 === undefined ? ["pipe", "pipe", "pipe"] : ["pipe", "pipe", "pipe", fd3],
        detached: true,
        env: { ...launch.env },
        cwd: launch.cwd,
        ...(launch.uid === undefined ? {} : { uid: launch.uid, gid: launch.gid }),
      });
    } catch (err) {
      if (fd3 !== undefined) closeSync(fd3);
      resolve(failedSpawn(err, started));
      return;
    }
    if (fd3 !== undefined) closeSync(fd3);
    const stdout = child.stdout!;
    const stderr = child.stderr!;

    const chunks: Buffer[] = [];
    let outBytes = 0;
    let errText = "";
    let errBytes = 0;
    let timedOut = false;
    let outputExceeded = false;
    let aborted = false;
    let spawnError: string | undefined;
    let settled = false;
    let exit: { code: number | null; sig: NodeJS.Signals | null } | undefined;
    let observedUid: number | undefined;
    let observedCgroup: string | undefined;

    const killAll = () => {
      if (child.pid !== undefined) {
        // Descendants first (the sandbox's pid 1 takes its whole pid namespace with it), then the group.
        for (const pid of descendants(child.pid)) signalQuietly(pid);
        signalQuietly(-child.pid);
      }
      opts.cgroup?.kill();
      if (!graceTimer) graceTimer = setTimeout(() => finish(true), opts.killGraceMs ?? 2_000);
    };
    let graceTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    let deadline = started + opts.wallMs;
    let wallTimer = setTimeout(onDeadline, opts.wallMs);
    function onDeadline() {
      if (performance.now() + 1 < deadline) {
        wallTimer = setTimeout(onDeadline, deadline - performance.now());
        return;
      }
      timedOut = true;
      killAll();
    }
    const onAbort = () => {
      aborted = true;
      killAll();
    };
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    if (opts.signal?.aborted) onAbort();

    let observeTimer: NodeJS.Timeout | undefined;
    if (opts.observe && child.pid !== undefined) {
      const root = child.pid;
      const look = () => {
        for (const pid of [root, ...descendants(root)]) {
          const seen = observeProcess(pid, opts.observe!.executable);
          if (seen) {
            observedUid = seen.uid;
            observedCgroup = seen.cgroup;
          }
        }
        if (!settled && observedUid === undefined) observeTimer = setTimeout(look, 2);
      };
      look();
    }

    stdout.on("data", (chunk: Buffer) => {
      if (outputExceeded) return;
      outBytes += chunk.length;
      if (outBytes > opts.maxOutputBytes) {
        outputExceeded = true;
        stdout.destroy();
        killAll();
        return;
      }
      chunks.push(chunk);
      const next = opts.onStdout?.(chunk, performance.now());
      if (next !== undefined && !timedOut) deadline = next;
    });
    stderr.on("data", (chunk: Buffer) => {
      errBytes += chunk.length;
      if (errText.length < STDERR_KEEP)
        errText += chunk.toString("utf8").slice(0, STDERR_KEEP - errText.length);
      // Nothing past the kept prefix is ever read: a candidate that floods stderr blocks on its pipe.
      if (errBytes >= STDERR_KEEP) stderr.destroy();
    });
    stdout.on("error", () => {});
    stderr.on("error", () => {});
    // The child may exit before reading all of stdin: EPIPE is expected, not an error.
    child.stdin!.on("error", () => {});
    child.on("error", (err) => {
      spawnError = err.message;
      if (child.pid === undefined) finish(false);
    });
    child.on("exit", (code, sig) => {
      exit = { code, sig };
      // Whatever is left of the tree or the group goes now; the pipes get a short drain.
      if (child.pid !== undefined) signalQuietly(-child.pid);
      opts.cgroup?.kill();
      drainTimer = setTimeout(() => finish(false), DRAIN_MS);
    });
    child.on("close", () => {
      if (exit) finish(false);
    });

    function finish(hung: boolean) {
      if (settled) return;
      settled = true;
      clearTimeout(wallTimer);
      clearTimeout(graceTimer);
      clearTimeout(drainTimer);
      clearTimeout(observeTimer);
      opts.signal?.removeEventListener("abort", onAbort);
      if (!exit) killAll();
      clearTimeout(graceTimer);
      stdout.destroy();
      stderr.destroy();
      child.stdin?.destroy();
      let signal = exit?.sig ?? null;
      let exitCode = exit?.code ?? null;
      if (launch.exitCodeIsSignal && exitCode !== null && exitCode > 128 && exitCode < 128 + 65) {
        signal = signalName(exitCode - 128);
        exitCode = null;
      }
      resolve({
        stdout: Buffer.concat(chunks),
        stderr: errText,
        stderrBytes: errBytes,
        exitCode,
        signal,
        timedOut,
        outputExceeded,
        aborted,
        hung,
        oomKilled: opts.cgroup?.oomKilled() ?? false,
        ...(spawnError === undefined ? {} : { spawnError }),
        ...(observedUid === undefined ? {} : { observedUid }),
        ...(observedCgroup === undefined ? {} : { observedCgroup }),
        durationMs: performance.now() - started,
      });
    }
    child.stdin!.end(input);
  });
}

function signalQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** Every descendant of `pid` (all threads' children), from /proc; empty when it has exited. */
export function descendants(pid: number): number[] {
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0 && out.length < 10_000) {
    const p = queue.shift()!;
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const t of tasks) {
      let text = "";
      try {
        text = readFileSync(`/proc/${p}/task/${t}/children`, "utf8");
      } catch {
        continue;
      }
      for (const c of text.split(" ")) {
        const n = Number(c);
        if (n > 0 && !out.includes(n)) {
          out.push(n);
          queue.push(n);
        }
      }
    }
  }
  return out;
}

/** The host uid and cgroup of `pid` when it is running `executable` (after exec), else undefined. */
function observeProcess(pid: number, executable: string): { uid: number; cgroup: string } | undefined {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0")[0];
    if (cmdline !== executable) return undefined;
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const uidLine = /^Uid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(status);
    if (!uidLine) return undefined;
    // Real, effective, saved and filesystem uids: if any of them is 0 the child holds root, so say 0.
    const uids = uidLine.slice(1).map(Number);
    const uid = uids.includes(0) ? 0 : uids[0]!;
    return { uid, cgroup: readFileSync(`/proc/${pid}/cgroup`, "utf8").trim() };
  } catch {
    return undefined;
  }
}

function failedSpawn(err: unknown, started: number): ChildRun {
  return {
    stdout: Buffer.alloc(0),
    stderr: "",
    stderrBytes: 0,
    exitCode: null,
    signal: null,
    timedOut: false,
    outputExceeded: false,
    aborted: false,
    hung: false,
    oomKilled: false,
    spawnError: err instanceof Error ? err.message : String(err),
    durationMs: performance.now() - started,
  };
}

const SIGNALS: Readonly<Record<number, NodeJS.Signals>> = {
  1: "SIGHUP",
  2: "SIGINT",
  3: "SIGQUIT",
  4: "SIGILL",
  5: "SIGTRAP",
  6: "SIGABRT",
  7: "SIGBUS",
  8: "SIGFPE",
  9: "SIGKILL",
  10: "SIGUSR1",
  11: "SIGSEGV",
  12: "SIGUSR2",
  13: "SIGPIPE",
  14: "SIGALRM",
  15: "SIGTERM",
  24: "SIGXCPU",
  25: "SIGXFSZ",
  31: "SIGSYS",
};

function signalName(n: number): NodeJS.Signals {
  return SIGNALS[n] ?? "SIGKILL";
}
