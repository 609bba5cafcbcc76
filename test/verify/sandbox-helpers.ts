import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import type { Example } from "../../src/core/example.js";
import type { SandboxChoice } from "../../src/verify/sandbox-launch.js";

/** Short limits so hostile candidates end quickly. */
export const TEST_LIMITS = { wallMs: 2_000, cpuSeconds: 2, memoryBytes: 512 * 1024 ** 2 };

export const bits = (n: number, width = 8): string => n.toString(2).padStart(width, "0");

/** n examples over distinct bit strings with labels from `label`. */
export function examples(n: number, label: (x: string, i: number) => 0 | 1): Example[] {
  return Array.from({ length: n }, (_, i) => {
    const x = bits(i, 12);
    return { x, y: label(x, i) };
  });
}

/** A process name (comm, at most 15 bytes) no other process has. */
export const uniqueMarker = (): string => `esc${randomBytes(5).toString("hex")}`;

/** Live (not zombie) host processes whose comm is `marker` (a candidate names itself so we can look for leftovers). */
export function processesNamed(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() !== marker) continue;
      // A zombie (state Z) has exited and holds nothing; it waits only for its reaper.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      if (state !== "Z") found.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return found;
}

/** Python that renames the current process to `marker` (inherited by any child it manages to make). */
export const nameSelf = (marker: string): string =>
  `open('/proc/self/comm', 'w').write(${JSON.stringify(marker)})\n`;

/**
 * The sandbox tier the suites use: auto (bubblewrap or a refusal), or LLM_ERM_TEST_SANDBOX=unshare|rlimits
 * to run them as a user who named a weaker tier would (protections then absent are asserted absent).
 */
export const TEST_SANDBOX: SandboxChoice = (() => {
  const v = process.env.LLM_ERM_TEST_SANDBOX;
  return v === "unshare" || v === "rlimits" ? v : "auto";
})();

/**
 * Processes named `marker` still alive after a grace period. A killed process may still be tearing
 * down (SIGKILL pending, no more user code) for a few ms after the verifier returned.
 */
export async function survivorsNamed(marker: string, graceMs = 1_000): Promise<number[]> {
  const deadline = Date.now() + graceMs;
  let left = processesNamed(marker);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    left = processesNamed(marker);
  }
  return left;
}
