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
  drop_to_nobody: true,
  seccomp: true,
  rlimits: true,
};

describe("sandboxSummary", () => {
  it("lists what bubblewrap enforces, with nothing missing", () => {
    expect(sandboxSummary(full)).toBe(
      "sandbox: bubblewrap: namespaces, read-only fs, seccomp, nobody, rlimits",
    );
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
      drop_to_nobody: false,
    });
    expect(line).toMatch(/^sandbox: rlimits: rlimits; DEGRADED, missing: /);
    for (const m of ["namespaces", "filesystem isolation", "seccomp", "uid drop"]) expect(line).toContain(m);
  });

  it("says nobody when unshare drops to nobody without bubblewrap", () => {
    const line = sandboxSummary({
      ...full,
      mode: "unshare",
      bubblewrap: false,
      filesystem_isolated: false,
      seccomp: false,
    });
    expect(line).toContain("nobody");
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
