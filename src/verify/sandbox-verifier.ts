import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pLimit from "p-limit";
import { UsageError } from "../core/errors.js";
import { type CgroupManager, hostCgroupEnvironment, openCgroups } from "./cgroup.js";
import { probeSandbox } from "./probe-sandbox.js";
import { type PythonInfo, probePython } from "./python-probe.js";
import type { SandboxChoice, SandboxMode } from "./sandbox-launch.js";
import { buildSeccompFilter } from "./seccomp-bpf.js";
import type { SandboxLimits, Verifier, VerifyJob, VerifyResult } from "./types.js";
import { verifyOne } from "./verify-one.js";

export const DEFAULT_LIMITS: SandboxLimits = {
  wallMs: 20_000,
  cpuSeconds: 20,
  memoryBytes: 2 * 1024 ** 3,
  cpuCores: 1,
  openFiles: 64,
  fileBytes: 16 * 1024 ** 2,
  processes: 1,
  scratchBytes: 64 * 1024 ** 2,
  outputSlackBytes: 64 * 1024,
};

export interface VerifierOptions {
  /** The interpreter (`--python`); default `python3` on PATH. */
  readonly python?: string;
  readonly limits?: Partial<SandboxLimits>;
  /** Children running at once; default: available cores. */
  readonly concurrency?: number;
  /** Structured events (the probe, the protections in force). */
  readonly log?: (event: Record<string, unknown>) => void;
  /**
   * `--sandbox`: auto (default) is bubblewrap with a real uid drop and seccomp, or a refusal; a weaker
   * tier runs only when named, and the protections report says what it gives up.
   */
  readonly sandbox?: SandboxChoice;
  /** Put each candidate in its own cgroup when the machine allows it (default true). */
  readonly cgroups?: boolean;
}

/** No sandbox tier the user allowed holds on this machine (exit 2: nothing was started). */
export class SandboxUnavailableError extends UsageError {}

const HARNESS_URL = new URL("../../python/harness.py", import.meta.url);

/** The extended verifier: also says which tier it chose and what interpreter it runs. */
export interface SandboxVerifier extends Verifier {
  readonly mode: SandboxMode;
  readonly python: PythonInfo;
  readonly limits: SandboxLimits;
}

/**
 * Probe the machine once (interpreter, bubblewrap, namespaces, nobody, seccomp), pick the strongest
 * tier that really runs the harness here, log every protection, and verify jobs up to `concurrency`
 * at a time. A missing interpreter is a UsageError naming the path.
 */
export async function createVerifier(opts: VerifierOptions = {}): Promise<SandboxVerifier> {
  const log = opts.log ?? (() => {});
  const limits: SandboxLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const python = await probePython(opts.python ?? "python3");
  const harness = readFileSync(fileURLToPath(HARNESS_URL), "utf8");
  const privateDir = mkdtempSync(join(tmpdir(), "llm-erm-verify-"));
  const filter = buildSeccompFilter();
  const filterFile = filter ? join(privateDir, "seccomp.bpf") : undefined;
  if (filter && filterFile) writeFileSync(filterFile, filter);
  const choice = opts.sandbox ?? "auto";
  const opened =
    opts.cgroups === false
      ? { ok: false as const, reason: "disabled by the caller" }
      : openCgroups(hostCgroupEnvironment(log));
  const cgroups: CgroupManager | { unavailable: string } = opened.ok
    ? opened.manager
    : { unavailable: opened.reason };
  log(
    opened.ok
      ? { event: "cgroup", version: opened.manager.version, where: opened.manager.where }
      : { event: "cgroup", version: "none", reason: opened.reason },
  );
  const chosen = await probeSandbox({ python, limits, harness, filterFile, choice, cgroups, log });
  if (!chosen.ok) {
    rmSync(privateDir, { recursive: true, force: true });
    if (opened.ok) await opened.manager.close();
    throw new SandboxUnavailableError(refusal(choice, python, chosen.reasons));
  }
  const { setup, protections } = chosen;
  log({ event: "sandbox_protections", ...protections });
  if (protections.warnings) log({ event: "sandbox_warning", message: protections.warnings });

  const limit = pLimit(Math.max(1, opts.concurrency ?? availableParallelism()));
  let closed = false;
  return {
    mode: setup.tier.mode,
    python,
    limits,
    protections,
    verify(job: VerifyJob, signal?: AbortSignal): Promise<VerifyResult> {
      if (closed) return Promise.reject(new Error("verifier is closed"));
      return limit(() => {
        signal?.throwIfAborted();
        return verifyOne(job, setup, signal);
      });
    },
    async close(): Promise<void> {
      closed = true;
      limit.clearQueue();
      while (limit.activeCount > 0) await new Promise((r) => setTimeout(r, 10));
      rmSync(privateDir, { recursive: true, force: true });
      if (opened.ok) await opened.manager.close();
    },
  };
}

/** Why nothing runs, and what to do about it. */
function refusal(choice: SandboxChoice, python: PythonInfo, reasons: readonly string[]): string {
  const why = reasons.length ? reasons.join("; ") : "no tier was tried";
  if (choice === "auto" || choice === "bubblewrap") {
    return (
      `--sandbox ${choice}: no bubblewrap sandbox that drops to an unprivileged uid works here (${why}). ` +
      "Install bubblewrap (apt-get install bubblewrap, or bash scripts/install-system-deps.sh) and, as " +
      "root, util-linux's setpriv; or point --python at an interpreter everyone can read (e.g. " +
      "/usr/bin/python3); or name a weaker tier with --sandbox unshare|rlimits (docs/sandbox.md says what " +
      "each gives up). `npx llm-erm doctor` shows every check."
    );
  }
  return `--sandbox ${choice}: cannot run ${python.executable} this way here (${why}). \`npx llm-erm doctor\` shows every check.`;
}

export { scoreCandidate } from "./score-candidate.js";
