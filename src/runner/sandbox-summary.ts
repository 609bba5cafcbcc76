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
  if (ns.length === 3) have.push("ns");
  else if (ns.length > 0) have.push(`${ns.join("/")} namespaces`);
  else missing.push("namespaces");
  if (p.filesystem_isolated === true) have.push("ro fs");
  else missing.push("filesystem isolation");
  if (p.seccomp === true) have.push("seccomp");
  else missing.push("seccomp");
  if (p.host_root === false) have.push(`uid ${String(p.uid_outside)}`);
  else missing.push("uid drop (runs as root)");
  if (p.cgroup_limits === true) have.push("cgroup");
  else missing.push("cgroup limits");
  if (p.rlimits === true) have.push("rlimits");
  else missing.push("rlimits");
  const degraded =
    missing.length > 0 ? `; DEGRADED, missing: ${missing.join(", ")} (see docs/sandbox.md)` : "";
  const warnings = typeof p.warnings === "string" && p.warnings ? `\nWARNING: ${p.warnings}` : "";
  return `sandbox: ${mode}: ${have.join(", ")}${degraded}${warnings}`;
}
