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
});
