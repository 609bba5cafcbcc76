import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const TSX = createRequire(import.meta.url).resolve("tsx");
const ENTRY = fileURLToPath(new URL("./cli-entry.ts", import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliRun {
  readonly child: ChildProcess;
  readonly done: Promise<CliResult>;
}

/** Spawns `llm-erm <args>` from source in `cwd`, with only the environment given (plus PATH/HOME). */
export function spawnCli(
  args: readonly string[],
  cwd: string,
  env: Record<string, string | undefined> = {},
): CliRun {
  const child = spawn(process.execPath, ["--import", TSX, ENTRY, ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<CliResult>((resolve) => {
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

export const runCli = (args: readonly string[], cwd: string, env: Record<string, string | undefined> = {}) =>
  spawnCli(args, cwd, env).done;

export const tempDir = (prefix = "llm-erm-cli-") => mkdtempSync(join(tmpdir(), prefix));

export async function waitFor(cond: () => boolean, timeoutMs = 20_000, stepMs = 25): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error("waitFor: timed out");
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
