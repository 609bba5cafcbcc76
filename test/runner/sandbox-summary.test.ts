import { describe, expect, it } from "vitest";
import { sandboxSummary } from "../../src/runner/sandbox-summary.js";

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
    expect(sandboxSummary(full)).toBe(
      "sandbox: bubblewrap: ns, ro fs, seccomp, uid 65534, cgroup, rlimits",
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
});
