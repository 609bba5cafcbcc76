// cgroup detection and layout against directory trees standing in for /sys/fs/cgroup (no machine here
// has a delegated v2 hierarchy; the real v1 path is exercised by the adversarial suites).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openCgroups, parseMountinfo, parseProcCgroup } from "../../src/verify/cgroup.js";

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});
function tree(): string {
  const r = mkdtempSync(join(tmpdir(), "llm-erm-cgtree-"));
  roots.push(r);
  return r;
}
function files(dir: string, entries: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(entries)) writeFileSync(join(dir, name), text);
}
const read = (p: string) => readFileSync(p, "utf8");
const PID = 4242;
/** A pid that no process has (above the kernel's pid_max). */
const DEAD = 99_999_999;

describe("parsing", () => {
  it("reads mount points, roots and controllers, octal escapes included", () => {
    const m = parseMountinfo(
      "35 25 0:30 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory\n" +
        "36 25 0:31 /sub /my\\040cg rw shared:9 - cgroup2 cgroup2 rw\n",
    );
    expect(m).toEqual([
      { root: "/", point: "/sys/fs/cgroup/memory", fstype: "cgroup", superOptions: ["rw", "memory"] },
      { root: "/sub", point: "/my cg", fstype: "cgroup2", superOptions: ["rw"] },
    ]);
    const c = parseProcCgroup("4:memory:/a/b\n3:cpu,cpuacct:/\n0::/user.slice\n");
    expect([c.get("memory"), c.get("cpu"), c.get("cpuacct"), c.get("")]).toEqual([
      "/a/b",
      "/",
      "/",
      "/user.slice",
    ]);
  });
});

describe("cgroup v2", () => {
  const env = (root: string, extra = "") => ({
    mountinfo: `30 25 0:26 / ${root} rw - cgroup2 cgroup2 rw\n${extra}`,
    procSelfCgroup: "0::/user.slice/app.scope\n",
    pid: PID,
  });

  it("alone in its cgroup: moves itself to a supervisor leaf, hands the controllers down, makes limited leaves", () => {
    const root = tree();
    const ours = join(root, "user.slice/app.scope");
    files(ours, {
      "cgroup.controllers": "cpu memory pids\n",
      "cgroup.subtree_control": "",
      "cgroup.procs": `${PID}\n`,
    });
    const opened = openCgroups(env(root));
    if (!opened.ok) throw new Error(opened.reason);
    expect(opened.manager.version).toBe("v2");
    expect(read(join(ours, "llm-erm-supervisor/cgroup.procs"))).toBe(String(PID));
    expect(read(join(ours, "cgroup.subtree_control"))).toBe("+memory +pids +cpu");
    const g = opened.manager.create({ memoryBytes: 1234, tasks: 3, cpuCores: 1 });
    const leaf = g.procsFiles[0]!.replace(/\/cgroup\.procs$/, "");
    expect(leaf.startsWith(join(ours, `llm-erm-${PID}-`))).toBe(true);
    expect([
      read(join(leaf, "memory.max")),
      read(join(leaf, "pids.max")),
      read(join(leaf, "cpu.max")),
    ]).toEqual(["1234", "3", "100000 100000"]);
    expect(read(join(leaf, "../cgroup.subtree_control"))).toBe("+memory +pids +cpu");
  });

  it("sharing its cgroup with other processes: unavailable, with the command that gives a delegated scope", () => {
    const root = tree();
    files(join(root, "user.slice/app.scope"), {
      "cgroup.controllers": "memory pids\n",
      "cgroup.subtree_control": "",
      "cgroup.procs": `${PID}\n777\n`,
    });
    const opened = openCgroups(env(root));
    expect(opened.ok).toBe(false);
    if (!opened.ok)
      expect(opened.reason).toMatch(/holds other processes.*systemd-run --user --scope -p Delegate=yes/);
  });

  it("without delegated memory and pids, and without v1: says plainly why neither can be had", () => {
    const root = tree();
    files(join(root, "user.slice/app.scope"), { "cgroup.controllers": "cpu\n", "cgroup.procs": `${PID}\n` });
    const opened = openCgroups(env(root));
    expect(opened.ok).toBe(false);
    if (!opened.ok) {
      expect(opened.reason).toMatch(
        /cgroup v2: the memory and pids controllers are not delegated .*it has: cpu/,
      );
      expect(opened.reason).toMatch(/cgroup v1: the memory and pids controllers are not both mounted/);
    }
  });
});

describe("cgroup v1", () => {
  it("makes one leaf per candidate under each controller, with memory, swap, tasks and CPU limits", () => {
    const root = tree();
    const mem = join(root, "memory");
    const pids = join(root, "pids");
    const cpu = join(root, "cpu");
    files(join(mem, "box"), {});
    files(pids, {});
    files(cpu, {});
    // A stale group of a dead llm-erm process (empty: its tasks are gone) is removed on open.
    files(join(pids, `llm-erm-${DEAD}-1`), {});
    const opened = openCgroups({
      mountinfo:
        `35 25 0:30 / ${mem} rw - cgroup cgroup rw,memory\n` +
        `36 25 0:31 / ${pids} rw - cgroup cgroup rw,pids\n` +
        `37 25 0:32 / ${cpu} rw - cgroup cgroup rw,cpu,cpuacct\n`,
      procSelfCgroup: "5:memory:/box\n4:pids:/\n3:cpu,cpuacct:/\n0::/\n",
      pid: PID,
    });
    if (!opened.ok) throw new Error(opened.reason);
    expect(opened.manager.version).toBe("v1");
    expect(existsSync(join(pids, `llm-erm-${DEAD}-1`))).toBe(false);
    const g = opened.manager.create({ memoryBytes: 5678, tasks: 2, cpuCores: 1 });
    expect(g.procsFiles).toHaveLength(3);
    const memLeaf = g.procsFiles
      .find((f) => f.startsWith(join(mem, "box", `llm-erm-${PID}-`)))!
      .replace(/\/cgroup\.procs$/, "");
    const pidsLeaf = g.procsFiles.find((f) => f.startsWith(pids))!.replace(/\/cgroup\.procs$/, "");
    const cpuLeaf = g.procsFiles.find((f) => f.startsWith(cpu))!.replace(/\/cgroup\.procs$/, "");
    expect(read(join(memLeaf, "memory.limit_in_bytes"))).toBe("5678");
    expect(read(join(pidsLeaf, "pids.max"))).toBe("2");
    expect([read(join(cpuLeaf, "cpu.cfs_period_us")), read(join(cpuLeaf, "cpu.cfs_quota_us"))]).toEqual([
      "100000",
      "100000",
    ]);
  });
});
