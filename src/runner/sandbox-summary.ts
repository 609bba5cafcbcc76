import type { ProtectionReport } from "../verify/types.js";

/**
 * One line for stderr at the start of a run: the sandbox mode and what it enforces, or, in a degraded
 * mode, what is missing (the full report is the `sandbox_protections` event in runner.log).
 */
export function sandboxSummary(p: ProtectionReport): string {
  const mode = typeof p.mode === "string" ? p.mode : "unknown";
  const have: string[] = [];
  const missing: string[] = [];
  // Short enough for one 80-column line; runner.log has the details.
  const ns = (["net", "pid", "ipc"] as const).filter((n) => p[`${n}_namespace`] === true);
  if (ns.length === 3) have.push("namespaces");
  else if (ns.length > 0) have.push(`${ns.join("/")} namespaces`);
  else missing.push("namespaces");
  if (p.filesystem_isolated === true) have.push("read-only fs");
  else missing.push("filesystem isolation");
  if (p.seccomp === true) have.push("seccomp");
  else missing.push("seccomp");
  if (p.drop_to_nobody === true) {
    have.push("nobody");
  } else {
    missing.push("uid drop");
  }
  if (p.rlimits === true) have.push("rlimits");
  else missing.push("rlimits");
  const degraded =
    missing.length > 0 ? `; DEGRADED, missing: ${missing.join(", ")} (see docs/sandbox.md)` : "";
  return `sandbox: ${mode}: ${have.join(", ")}${degraded}`;
}
