/**
 * A control group per candidate: memory (tmpfs, /dev/shm, SysV shm, memfd and kernel memory included),
 * tasks (threads included) and CPU, killed as a group at the deadline. rlimits cannot cover these: they
 * are per process and blind to memory that no address space maps.
 *
 * Both hierarchies are supported:
 * - cgroup v1 (memory, pids and cpu controllers mounted separately, writable by root): one directory
 *   per candidate under `<controller mount><our cgroup>/llm-erm-<node pid>/`.
 * - cgroup v2 (delegated to the user by systemd, or the whole tree when root): the same layout under
 *   our own cgroup, once the memory and pids controllers are enabled for it. v2 forbids processes in
 *   a cgroup whose controllers are handed down, so when this process is alone in its cgroup it moves
 *   itself into a `llm-erm-supervisor` leaf first; when it is not alone, v2 is reported unavailable
 *   with the command that gives a delegated scope.
 *
 * Detection is pure (mountinfo and /proc/self/cgroup text in, a plan out) so tests can point it at a
 * directory tree of their own.
 */
import {
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";

export interface CgroupLimits {
  /** Memory of the whole group (RSS, page cache, tmpfs and shared memory, kernel memory). */
  readonly memoryBytes: number;
  /** Tasks (processes and threads) in the group, the launcher included. */
  readonly tasks: number;
  /** CPU bandwidth in cores (1 = one core). */
  readonly cpuCores: number;
}

/** One candidate's group. */
export interface CandidateCgroup {
  /** The cgroup.procs files the launcher writes its pid into before it execs the sandbox. */
  readonly procsFiles: readonly string[];
  /** SIGKILL every task in the group (cgroup.kill on v2; on v1 until cgroup.procs is empty). */
  kill(): void;
  /** The kernel's OOM killer ended a task of this group. */
  oomKilled(): boolean;
  /** Pids in the group now. */
  pids(): number[];
  /** Kill what is left and remove the directories (retried while the kernel tears tasks down). */
  remove(): Promise<void>;
  /** `remove()` in the background: the manager's `close()` waits for it. */
  release(): void;
}

export interface CgroupManager {
  readonly version: "v1" | "v2";
  /** Where the groups live, for the log. */
  readonly where: string;
  /** A new group; `owner` (a uid) may then join it itself (a launcher spawned as that uid). */
  create(limits: CgroupLimits, owner?: number): CandidateCgroup;
  /** Remove the per-run parent directories. */
  close(): Promise<void>;
}

export type CgroupOpen =
  | { readonly ok: true; readonly manager: CgroupManager }
  | { readonly ok: false; readonly reason: string };

interface Mount {
  readonly root: string;
  readonly point: string;
  readonly fstype: string;
  readonly superOptions: readonly string[];
}

/** Parse /proc/self/mountinfo (fields: id parent dev root point opts [optional...] - fstype source super). */
export function parseMountinfo(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split("\n")) {
    const fields = line.split(" ");
    const dash = fields.indexOf("-");
    if (dash < 6 || fields.length < dash + 4) continue;
    mounts.push({
      root: unescapeMount(fields[3]!),
      point: unescapeMount(fields[4]!),
      fstype: fields[dash + 1]!,
      superOptions: fields[dash + 3]!.split(","),
    });
  }
  return mounts;
}

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

/** Parse /proc/self/cgroup: controller name ("" for v2) -> path. */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    const [, controllers, path] = m;
    if (controllers === "") out.set("", path!);
    for (const c of controllers!.split(",")) if (c) out.set(c, path!);
  }
  return out;
}

/** The directory of our cgroup for a controller ("" = v2) on its mount, or undefined. */
function ourDir(
  mounts: readonly Mount[],
  cgroups: Map<string, string>,
  controller: string,
): string | undefined {
  const path = cgroups.get(controller);
  if (path === undefined) return undefined;
  const mount = mounts.find((m) =>
    controller === "" ? m.fstype === "cgroup2" : m.fstype === "cgroup" && m.superOptions.includes(controller),
  );
  if (!mount) return undefined;
  // In a cgroup namespace or a container, the mount's root is a prefix of the paths /proc shows.
  let rel = path;
  if (mount.root !== "/" && (rel === mount.root || rel.startsWith(`${mount.root}/`)))
    rel = rel.slice(mount.root.length);
  return join(mount.point, rel);
}

export interface CgroupEnvironment {
  readonly mountinfo: string;
  readonly procSelfCgroup: string;
  readonly pid: number;
  readonly log?: (event: Record<string, unknown>) => void;
}

/** Read the real environment of this process. */
export function hostCgroupEnvironment(log?: (event: Record<string, unknown>) => void): CgroupEnvironment {
  return {
    mountinfo: readOr("/proc/self/mountinfo"),
    procSelfCgroup: readOr("/proc/self/cgroup"),
    pid: process.pid,
    ...(log ? { log } : {}),
  };
}

/**
 * Find a hierarchy that can hold per-candidate groups with memory and task limits: v2 first (the
 * modern one), else v1. The reason says plainly why neither could be had.
 */
export function openCgroups(env: CgroupEnvironment): CgroupOpen {
  const mounts = parseMountinfo(env.mountinfo);
  const cgroups = parseProcCgroup(env.procSelfCgroup);
  const v2 = openV2(mounts, cgroups, env);
  if (v2.ok) return v2;
  const v1 = openV1(mounts, cgroups, env);
  if (v1.ok) return v1;
  return { ok: false, reason: `cgroup v2: ${v2.reason}; cgroup v1: ${v1.reason}` };
}

const RUN_PREFIX = "llm-erm-";
let managers = 0;
/** One parent directory per manager: `llm-erm-<pid>-<n>` (several verifiers may live in one process). */
const runDirName = (pid: number) => `${RUN_PREFIX}${pid}-${++managers}`;

function openV1(mounts: readonly Mount[], cgroups: Map<string, string>, env: CgroupEnvironment): CgroupOpen {
  const dirs: Record<string, string> = {};
  for (const c of ["memory", "pids", "cpu"]) {
    const d = ourDir(mounts, cgroups, c);
    if (d && existsSync(d)) dirs[c] = d;
  }
  if (!dirs.memory || !dirs.pids) {
    return { ok: false, reason: "the memory and pids controllers are not both mounted" };
  }
  const parents: string[] = [];
  const runDir = runDirName(env.pid);
  try {
    for (const d of Object.values(dirs)) {
      removeStale(d, env);
      const parent = join(d, runDir);
      mkdirSync(parent, { recursive: true });
      parents.push(parent);
    }
  } catch (err) {
    for (const p of parents) tryRmdir(p);
    return { ok: false, reason: `cannot create a group under ${dirs.memory}: ${errText(err)}` };
  }
  let n = 0;
  const pending = new Set<Promise<void>>();
  const manager: CgroupManager = {
    version: "v1",
    where: parents.join(", "),
    create(limits, owner) {
      const id = `c${++n}`;
      const leaf = (c: string) => join(dirs[c]!, runDir, id);
      const made: string[] = [];
      const mem = leaf("memory");
      const pids = leaf("pids");
      try {
        for (const c of Object.keys(dirs)) {
          mkdirSync(leaf(c));
          made.push(leaf(c));
        }
        writeFileSync(join(mem, "memory.limit_in_bytes"), String(limits.memoryBytes));
        // Without swap accounting the file is absent; with it, swap cannot extend the limit.
        if (existsSync(join(mem, "memory.memsw.limit_in_bytes")))
          writeFileSync(join(mem, "memory.memsw.limit_in_bytes"), String(limits.memoryBytes));
        writeFileSync(join(pids, "pids.max"), String(limits.tasks));
        if (dirs.cpu) {
          writeFileSync(join(leaf("cpu"), "cpu.cfs_period_us"), "100000");
          writeFileSync(join(leaf("cpu"), "cpu.cfs_quota_us"), String(Math.round(limits.cpuCores * 100_000)));
        }
        if (owner !== undefined) for (const d of made) chownSync(join(d, "cgroup.procs"), owner, owner);
      } catch (err) {
        for (const d of made) tryRmdir(d);
        throw new Error(`cgroup v1: cannot set up ${mem}: ${errText(err)}`);
      }
      return candidate(
        made.map((d) => join(d, "cgroup.procs")),
        join(pids, "cgroup.procs"),
        undefined,
        () => /oom_kill [1-9]/.test(readOr(join(mem, "memory.oom_control"))),
        made,
        pending,
      );
    },
    async close() {
      await Promise.all(pending);
      for (const p of parents) await rmdirRetry(p);
    },
  };
  return { ok: true, manager };
}

function openV2(mounts: readonly Mount[], cgroups: Map<string, string>, env: CgroupEnvironment): CgroupOpen {
  const dir = ourDir(mounts, cgroups, "");
  if (!dir || !existsSync(dir)) return { ok: false, reason: "no cgroup2 mount for this process" };
  const available = readOr(join(dir, "cgroup.controllers")).split(/\s+/);
  if (!available.includes("memory") || !available.includes("pids")) {
    return {
      ok: false,
      reason: `the memory and pids controllers are not delegated to ${dir} (it has: ${available.filter(Boolean).join(" ") || "none"})`,
    };
  }
  const wanted = ["memory", "pids", ...(available.includes("cpu") ? ["cpu"] : [])];
  const enable = (d: string) =>
    writeFileSync(join(d, "cgroup.subtree_control"), wanted.map((c) => `+${c}`).join(" "));
  try {
    removeStale(dir, env);
    const enabled = readOr(join(dir, "cgroup.subtree_control")).split(/\s+/);
    if (!wanted.every((c) => enabled.includes(c))) {
      const procs = readOr(join(dir, "cgroup.procs")).split("\n").filter(Boolean).map(Number);
      if (procs.length > 0 && !(procs.length === 1 && procs[0] === env.pid)) {
        return {
          ok: false,
          reason:
            `${dir} holds other processes, so its controllers cannot be handed down; run llm-erm in a ` +
            "delegated scope: systemd-run --user --scope -p Delegate=yes npx llm-erm ...",
        };
      }
      if (procs.length === 1) {
        const supervisor = join(dir, `${RUN_PREFIX}supervisor`);
        mkdirSync(supervisor, { recursive: true });
        writeFileSync(join(supervisor, "cgroup.procs"), String(env.pid));
        env.log?.({ event: "cgroup_supervisor", moved_to: supervisor });
      }
      enable(dir);
    }
  } catch (err) {
    return { ok: false, reason: `cannot delegate controllers in ${dir}: ${errText(err)}` };
  }
  const parent = join(dir, runDirName(env.pid));
  try {
    mkdirSync(parent, { recursive: true });
    enable(parent);
  } catch (err) {
    tryRmdir(parent);
    return { ok: false, reason: `cannot create ${parent}: ${errText(err)}` };
  }
  let n = 0;
  const pending = new Set<Promise<void>>();
  const manager: CgroupManager = {
    version: "v2",
    where: parent,
    create(limits, owner) {
      const leaf = join(parent, `c${++n}`);
      try {
        mkdirSync(leaf);
        writeFileSync(join(leaf, "memory.max"), String(limits.memoryBytes));
        if (existsSync(join(leaf, "memory.swap.max"))) writeFileSync(join(leaf, "memory.swap.max"), "0");
        writeFileSync(join(leaf, "pids.max"), String(limits.tasks));
        if (wanted.includes("cpu"))
          writeFileSync(join(leaf, "cpu.max"), `${Math.round(limits.cpuCores * 100_000)} 100000`);
        if (owner !== undefined) chownSync(join(leaf, "cgroup.procs"), owner, owner);
      } catch (err) {
        tryRmdir(leaf);
        throw new Error(`cgroup v2: cannot set up ${leaf}: ${errText(err)}`);
      }
      return candidate(
        [join(leaf, "cgroup.procs")],
        join(leaf, "cgroup.procs"),
        join(leaf, "cgroup.kill"),
        () => /oom_kill [1-9]/.test(readOr(join(leaf, "memory.events"))),
        [leaf],
        pending,
      );
    },
    async close() {
      await Promise.all(pending);
      await rmdirRetry(parent);
    },
  };
  return { ok: true, manager };
}

function candidate(
  procsFiles: string[],
  listFile: string,
  killFile: string | undefined,
  oomKilled: () => boolean,
  dirs: string[],
  pending: Set<Promise<void>>,
): CandidateCgroup {
  const pids = () =>
    readOr(listFile)
      .split("\n")
      .filter(Boolean)
      .map(Number)
      .filter((p) => p > 0);
  const kill = () => {
    if (killFile && existsSync(killFile)) {
      try {
        writeFileSync(killFile, "1");
        return;
      } catch {
        // fall back to signalling each task
      }
    }
    // No task can fork (seccomp, pids.max), so a few rounds empty the group.
    for (let round = 0; round < 20; round++) {
      const left = pids();
      if (left.length === 0) return;
      for (const p of left) {
        try {
          process.kill(p, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
  };
  const remove = async () => {
    kill();
    for (const d of dirs) await rmdirRetry(d);
  };
  return {
    procsFiles,
    kill,
    oomKilled,
    pids,
    remove,
    release() {
      const done: Promise<void> = remove().finally(() => pending.delete(done));
      pending.add(done);
    },
  };
}

/** Groups left by an llm-erm process that no longer exists (killed -9): kill their tasks, remove them. */
function removeStale(dir: string, env: CgroupEnvironment): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    const m = new RegExp(`^${RUN_PREFIX}(\\d+)-\\d+$`).exec(name);
    if (!m || Number(m[1]) === env.pid || existsSync(`/proc/${m[1]}`)) continue;
    const parent = join(dir, name);
    let killed = 0;
    for (const leaf of safeReaddir(parent)) {
      const procs = join(parent, leaf, "cgroup.procs");
      if (!existsSync(procs)) continue;
      for (const p of readOr(procs).split("\n").filter(Boolean)) {
        try {
          process.kill(Number(p), "SIGKILL");
          killed++;
        } catch {
          // gone
        }
      }
      tryRmdir(join(parent, leaf));
    }
    tryRmdir(parent);
    env.log?.({ event: "cgroup_stale_removed", group: parent, killed });
  }
}

function safeReaddir(d: string): string[] {
  try {
    return readdirSync(d, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
}

function tryRmdir(d: string): boolean {
  try {
    rmdirSync(d);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ENOENT";
  }
}

async function rmdirRetry(d: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if (tryRmdir(d)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

function readOr(p: string): string {
  try {
    return readFileSync(p, "utf8");
  } catch {
    return "";
  }
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
