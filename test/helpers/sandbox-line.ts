import type { ProtectionReport } from "../../src/verify/types.js";

/**
 * What the one-line sandbox summary must say for each protection of a report, present or missing: the
 * summary's contract, written out independently of `sandboxSummary` (an oracle, not a copy of it).
 */
export const SUMMARY_WORDS = [
  { keys: ["net_namespace", "pid_namespace", "ipc_namespace"], have: "ns", missing: "namespaces" },
  { keys: ["filesystem_isolated"], have: "ro fs", missing: "filesystem isolation" },
  { keys: ["seccomp"], have: "seccomp", missing: "seccomp" },
  // host_root is a danger, not a protection: it holds when false; the summary shows the measured uid.
  { keys: ["host_root"], have: "uid", missing: "uid drop (runs as root)", inverted: true },
  { keys: ["cgroup_limits"], have: "cgroup", missing: "cgroup limits" },
  { keys: ["rlimits"], have: "rlimits", missing: "rlimits" },
] as const;

/** The protection keys the summary reads: every one must be a boolean in a real report. */
export const SUMMARY_KEYS: readonly string[] = SUMMARY_WORDS.flatMap((w) => [...w.keys]);

/**
 * The problems of `line` as the summary of `report` (empty when it is right): the mode first, each
 * protection among what it has when true, among what is missing when false (namespaces: all three, or
 * those present as `net/pid namespaces`), and DEGRADED exactly when something is missing.
 */
export function summaryProblems(line: string, report: ProtectionReport): string[] {
  const problems: string[] = [];
  const m =
    /^sandbox: ([^:]+): (.*?)(?:; DEGRADED, missing: (.*) \(see docs\/sandbox\.md\))?(?:\nWARNING: .*)?$/.exec(
      line,
    );
  if (!m) return [`not a summary line: ${line}`];
  const [, mode, haveText, missingText] = m;
  if (mode !== report.mode) problems.push(`mode ${mode}, report says ${String(report.mode)}`);
  const have = (haveText ? haveText.split(", ") : []).map((h) => (h.startsWith("uid ") ? "uid" : h));
  const missing = missingText ? missingText.split(", ") : [];
  let anyMissing = false;
  for (const w of SUMMARY_WORDS) {
    const on = w.keys.filter((k) => ("inverted" in w ? report[k] === false : report[k] === true));
    if (on.length === w.keys.length) {
      if (!have.includes(w.have)) problems.push(`${w.keys.join("/")} true, '${w.have}' not listed`);
    } else if (on.length === 0) {
      anyMissing = true;
      if (!missing.includes(w.missing))
        problems.push(`${w.keys.join("/")} false, '${w.missing}' not missing`);
    } else {
      const part = `${on.map((k) => k.replace("_namespace", "")).join("/")} namespaces`;
      if (!have.includes(part)) problems.push(`partial namespaces, '${part}' not listed`);
    }
  }
  if (anyMissing !== missing.length > 0)
    problems.push(`DEGRADED ${missing.length > 0}, expected ${anyMissing}`);
  return problems;
}
