import { spawn } from "node:child_process";
import { realpathSync } from "node:fs";
import * as z from "zod";
import { UsageError } from "../core/errors.js";

/** What the sandbox needs to know about the interpreter, asked once (outside the sandbox). */
export interface PythonInfo {
  /** The path the user gave (`--python`), for messages. */
  readonly requested: string;
  /** sys.executable: the binary the sandbox runs (not a pyenv shim or a wrapper script). */
  readonly executable: string;
  /** Directories the interpreter needs: prefixes, the real binary's directory, sys.path roots. */
  readonly dirs: readonly string[];
  /** sys.path after site.py ran (venv site-packages included); the harness runs with -S and sets it. */
  readonly sysPath: readonly string[];
  readonly version: string;
}

const ProbeOutput = z.object({
  executable: z.string().min(1),
  prefixes: z.array(z.string()),
  path: z.array(z.string()),
  version: z.string(),
});

const PROBE_SCRIPT = [
  "import sys, json",
  "print(json.dumps({'executable': sys.executable, 'version': sys.version.split()[0],",
  " 'prefixes': [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix],",
  " 'path': [p for p in sys.path if p]}))",
].join("\n");

/** Run `python -I -c ...` once. A missing or broken interpreter is a UsageError naming the path. */
export async function probePython(python: string, timeoutMs = 15_000): Promise<PythonInfo> {
  const { code, stdout, stderr, error } = await new Promise<{
    code: number | null;
    stdout: string;
    stderr: string;
    error?: NodeJS.ErrnoException;
  }>((resolve) => {
    const child = spawn(python, ["-I", "-c", PROBE_SCRIPT], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      err += d;
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve({ code: null, stdout: out, stderr: err, error: e });
    });
    child.on("close", (c) => {
      clearTimeout(timer);
      resolve({ code: c, stdout: out, stderr: err });
    });
  });
  if (error) {
    const why =
      error.code === "ENOENT" ? "not found" : error.code === "EACCES" ? "not executable" : error.message;
    throw new UsageError(
      `--python: cannot run "${python}" (${why}); point --python at a python3 interpreter`,
    );
  }
  const parsed = ProbeOutput.safeParse(safeJson(stdout.trim().split("\n").at(-1) ?? ""));
  if (code !== 0 || !parsed.success) {
    const detail = stderr.trim().split("\n").at(-1) ?? `exit code ${code}`;
    throw new UsageError(
      `--python: "${python}" did not run as a python3 interpreter: ${detail || `exit ${code}`}`,
    );
  }
  const info = parsed.data;
  if (!/^3\./.test(info.version)) {
    throw new UsageError(`--python: "${python}" is Python ${info.version}; python 3 is required`);
  }
  const real = realOrSelf(info.executable);
  const dirs = new Set<string>();
  for (const p of [...info.prefixes, parentDir(info.executable), parentDir(real)]) dirs.add(p);
  for (const p of info.path) dirs.add(p);
  return {
    requested: python,
    executable: info.executable,
    dirs: [...dirs].filter((d) => d.startsWith("/")),
    sysPath: info.path,
    version: info.version,
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function realOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

function parentDir(p: string): string {
  const i = p.lastIndexOf("/");
  return i <= 0 ? "/" : p.slice(0, i);
}
