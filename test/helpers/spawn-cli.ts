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

/** The CLI with fn_broken registered, a task whose dataset generation throws (a TypeError). */
export const BROKEN_TASK_ENTRY = fileURLToPath(new URL("./cli-entry-broken-task.ts", import.meta.url));

/**
 * Spawns `llm-erm <args>` from source in `cwd`, with only the environment given (plus PATH/HOME);
 * `entry` is another source entry point (default: the plain CLI).
 */
export function spawnCli(
  args: readonly string[],
  cwd: string,
  env: Record<string, string | undefined> = {},
  options: { entry?: string } = {},
): CliRun {
  const child = spawn(process.execPath, ["--import", TSX, options.entry ?? ENTRY, ...args], {
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

export const runCli = (
  args: readonly string[],
  cwd: string,
  env: Record<string, string | undefined> = {},
  options: { entry?: string } = {},
) => spawnCli(args, cwd, env, options).done;

export const tempDir = (prefix = "llm-erm-cli-") => mkdtempSync(join(tmpdir(), prefix));

export async function waitFor(cond: () => boolean, timeoutMs = 20_000, stepMs = 25): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error("waitFor: timed out");
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
