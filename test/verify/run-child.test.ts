// The parent cannot be hung: it finishes on the launcher's exit plus a short drain (never waiting for
// pipes that something else keeps open), reads stderr only up to a cap, and kills at the deadline.
import { execFileSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { runChild } from "../../src/verify/run-child.js";
import type { Launch } from "../../src/verify/sandbox-launch.js";

const sh = (script: string): Launch => ({
  command: "/bin/sh",
  args: ["-c", script],
  env: { PATH: "/usr/bin:/bin" },
  cwd: "/",
  exitCodeIsSignal: false,
});

/** A sleep no other process runs (GNU sleep takes a fraction), found again by its command line. */
const MARK = `sleep 30.${process.pid}`;
afterEach(() => {
  try {
    execFileSync("pkill", ["-KILL", "-f", MARK]);
  } catch {
    // none left
  }
});

describe("runChild", () => {
  it("returns soon after the launcher exits although an escaped process keeps its stdout open", async () => {
    const started = Date.now();
    // setsid: the holder leaves the launcher's process group, so no group kill reaches it.
    const run = await runChild(sh(`setsid ${MARK} & echo hi; exit 0`), Buffer.alloc(0), {
      wallMs: 20_000,
      maxOutputBytes: 1024,
    });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect([run.exitCode, run.timedOut, run.stdout.toString()]).toEqual([0, false, "hi\n"]);
  });

  it("reads stderr only up to its cap: a flood is not read into the parent", async () => {
    const run = await runChild(sh("yes flood >&2"), Buffer.alloc(0), { wallMs: 1_500, maxOutputBytes: 1024 });
    // The writer meets a closed pipe (or the deadline); either way the parent stopped reading.
    expect(run.stderr.length).toBeLessThanOrEqual(4096);
    // Before the cap, the parent read everything `yes` wrote (hundreds of MB in 1.5 s).
    expect(run.stderrBytes).toBeLessThan(1024 * 1024);
  });

  it("kills the whole tree at the deadline, including a child in its own session", async () => {
    const started = Date.now();
    const run = await runChild(sh(`setsid ${MARK} & sleep 30`), Buffer.alloc(0), {
      wallMs: 500,
      maxOutputBytes: 1024,
    });
    expect(run.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(3_000);
    await new Promise((r) => setTimeout(r, 200));
    let left = "";
    try {
      left = execFileSync("pgrep", ["-f", MARK]).toString();
    } catch {
      left = "";
    }
    expect(left).toBe("");
  });
});
