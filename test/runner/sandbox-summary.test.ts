import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sandboxSummary } from "../../src/runner/sandbox-summary.js";
import { createVerifier } from "../../src/verify/sandbox-verifier.js";
import { SUMMARY_KEYS, summaryProblems } from "../helpers/sandbox-line.js";

const full = {
  mode: "bubblewrap",
  bubblewrap: true,
  user_namespace: true,
  net_namespace: true,
  pid_namespace: true,
  ipc_namespace: true,
  filesystem_isolated: true,
  host_root: false,
  uid_outside: "65534",
  cgroup_limits: true,
  seccomp: true,
  rlimits: true,
  warnings: "",
};

describe("sandboxSummary", () => {
  it("lists what bubblewrap enforces, with nothing missing", () => {
    expect(sandboxSummary(full)).toBe("sandbox: bubblewrap: ns, ro fs, seccomp, uid 65534, cgroup, rlimits");
  });

  it("names what a degraded mode lacks", () => {
    const line = sandboxSummary({
      ...full,
      mode: "rlimits",
      bubblewrap: false,
      user_namespace: false,
      net_namespace: false,
      pid_namespace: false,
      ipc_namespace: false,
      filesystem_isolated: false,
      seccomp: false,
      host_root: true,
      cgroup_limits: false,
      warnings: "--sandbox rlimits: no isolation",
    });
    expect(line).toMatch(/^sandbox: rlimits: rlimits; DEGRADED, missing: /);
    for (const m of ["namespaces", "filesystem isolation", "seccomp", "uid drop", "cgroup limits"])
      expect(line).toContain(m);
    expect(line).toMatch(/\nWARNING: --sandbox rlimits: no isolation$/);
  });

  it("says the measured uid when unshare drops to nobody without bubblewrap", () => {
    const line = sandboxSummary({
      ...full,
      mode: "unshare",
      bubblewrap: false,
      filesystem_isolated: false,
      seccomp: false,
    });
    expect(line).toContain("uid 65534");
    expect(`llm-erm: ${sandboxSummary(full)}`.length).toBeLessThanOrEqual(80);
    expect(line).toContain("missing: filesystem isolation, seccomp");
  });

  it("law: every protection is listed as present or as missing, as the report says", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("bubblewrap", "unshare", "rlimits"),
        fc.record(Object.fromEntries(SUMMARY_KEYS.map((k) => [k, fc.boolean()]))),
        (mode, flags) => {
          const report = { ...full, ...flags, mode };
          expect(summaryProblems(sandboxSummary(report), report)).toEqual([]);
        },
      ),
    );
  });

  it("reads the keys the real sandbox reports (not only a report built by this test)", async () => {
    const verifier = await createVerifier({ concurrency: 1 });
    try {
      const report = verifier.protections;
      expect(typeof report.mode).toBe("string");
      for (const key of SUMMARY_KEYS) expect(typeof report[key], key).toBe("boolean");
      expect(summaryProblems(sandboxSummary(report), report)).toEqual([]);
    } finally {
      await verifier.close();
    }
  });
});
