import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { performance } from "node:perf_hooks";
import type { Launch } from "./sandbox-launch.js";

export interface ChildRun {
  readonly stdout: Buffer;
  /** First few KiB of stderr (the harness points fd 2 at /dev/null once it has read its input). */
  readonly stderr: string;
  readonly exitCode: number | null;
  /** The signal that ended the child (for bwrap, decoded from its 128+n exit status). */
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly outputExceeded: boolean;
  readonly aborted: boolean;
  readonly spawnError?: string;
  readonly durationMs: number;
}

export interface ChildOptions {
  readonly wallMs: number;
  readonly maxOutputBytes: number;
  /** A file whose bytes are given to the launcher on fd 3 (the seccomp filter for bwrap). */
  readonly fd3File?: string;
  readonly signal?: AbortSignal;
}

const STDERR_KEEP = 4096;

/** Start the child in its own process group, feed stdin, read capped stdout, kill the group at limits. */
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

    const chunks: Buffer[] = [];
    let outBytes = 0;
    let errText = "";
    let timedOut = false;
    let outputExceeded = false;
    let aborted = false;
    let spawnError: string | undefined;
    let settled = false;

    const killGroup = () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, opts.wallMs);
    const onAbort = () => {
      aborted = true;
      killGroup();
    };
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    if (opts.signal?.aborted) onAbort();

    child.stdout!.on("data", (chunk: Buffer) => {
      if (outputExceeded) return;
      outBytes += chunk.length;
      if (outBytes > opts.maxOutputBytes) {
        outputExceeded = true;
        killGroup();
        return;
      }
      chunks.push(chunk);
    });
    child.stderr!.on("data", (chunk: Buffer) => {
      if (errText.length < STDERR_KEEP)
        errText += chunk.toString("utf8").slice(0, STDERR_KEEP - errText.length);
    });
    // The child may exit before reading all of stdin: EPIPE is expected, not an error.
    child.stdin!.on("error", () => {});
    child.on("error", (err) => {
      spawnError = err.message;
    });
    child.on("close", (code, sig) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      // Whatever is left in the group (a grandchild that escaped the namespace) goes too.
      killGroup();
      let signal = sig;
      let exitCode = code;
      if (launch.exitCodeIsSignal && code !== null && code > 128 && code < 128 + 65) {
        signal = signalName(code - 128);
        exitCode = null;
      }
      resolve({
        stdout: Buffer.concat(chunks),
        stderr: errText,
        exitCode,
        signal,
        timedOut,
        outputExceeded,
        aborted,
        ...(spawnError === undefined ? {} : { spawnError }),
        durationMs: performance.now() - started,
      });
    });
    child.stdin!.end(input);
  });
}

function failedSpawn(err: unknown, started: number): ChildRun {
  return {
    stdout: Buffer.alloc(0),
    stderr: "",
    exitCode: null,
    signal: null,
    timedOut: false,
    outputExceeded: false,
    aborted: false,
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
