// kill -9 of the Node process in the middle of a candidate: nothing of the sandbox survives it, and the
// dead process's cgroups are emptied and removed by the next verifier.
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createVerifier } from "../../src/verify/sandbox-verifier.js";
import { processesNamed, survivorsNamed, TEST_SANDBOX, uniqueMarker } from "./sandbox-helpers.js";

const TSX = createRequire(import.meta.url).resolve("tsx");
const SCRIPT = fileURLToPath(new URL("../helpers/verify-and-hang.ts", import.meta.url));

/** The cgroup directories a process with this pid left, on any hierarchy. */
function groupsOf(pid: number): string[] {
  const found: string[] = [];
  for (const root of ["/sys/fs/cgroup/pids", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/unified"]) {
    const walk = (dir: string, depth: number) => {
      if (depth > 4) return;
      let entries: string[] = [];
      try {
        entries = readdirSync(dir, { withFileTypes: true })
          .filter((e) => e.isDirectory())
          .map((e) => e.name);
      } catch {
        return;
      }
      for (const e of entries) {
        if (e.startsWith(`llm-erm-${pid}-`)) found.push(`${dir}/${e}`);
        else walk(`${dir}/${e}`, depth + 1);
      }
    };
    if (existsSync(root)) walk(root, 0);
  }
  return found;
}

describe.runIf(TEST_SANDBOX === "auto")("kill -9 of the parent", () => {
  it("leaves no sandboxed process, and the next verifier removes its cgroups", async () => {
    const marker = uniqueMarker();
    const child = spawn(process.execPath, ["--import", TSX, SCRIPT, marker], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const deadline = Date.now() + 20_000;
    while (processesNamed(marker).length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(processesNamed(marker).length, out).toBe(1);
    const withCgroups = /^ready v[12]:/.test(out);
    const pid = child.pid!;
    const exited = new Promise((r) => child.on("exit", r));
    child.kill("SIGKILL");
    await exited;
    expect(await survivorsNamed(marker, 3_000)).toEqual([]);
    if (!withCgroups) return;
    expect(groupsOf(pid).length).toBeGreaterThan(0);
    const next = await createVerifier({ concurrency: 1 });
    try {
      expect(groupsOf(pid)).toEqual([]);
    } finally {
      await next.close();
    }
  });
});
