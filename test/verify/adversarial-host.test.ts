// The deeper attacks (issue "The sandbox holds"): host uid 0, reaching the sandbox's other processes,
// outliving the deadline, limits that rlimits cannot hold, forged outcomes. Each test states what a
// candidate tried and asserts, from outside, that it did not get through.

import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVerifier, type SandboxVerifier } from "../../src/verify/sandbox-verifier.js";
import {
  examples,
  nameSelf,
  survivorsNamed,
  TEST_LIMITS,
  TEST_SANDBOX,
  uniqueMarker,
} from "./sandbox-helpers.js";

const one = examples(1, () => 1);
const bubblewrap = TEST_SANDBOX === "auto";

let verifier: SandboxVerifier;
beforeAll(async () => {
  verifier = await createVerifier({ limits: TEST_LIMITS, concurrency: 2, sandbox: TEST_SANDBOX });
});
afterAll(() => verifier?.close());

/** Runs `body` (a Python function body returning True when the attack was stopped) on one input. */
async function stopped(v: SandboxVerifier, prelude: string, body: string) {
  const code = `${prelude}\ndef f(x):\n${body
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n")}\n`;
  return v.verify({ code, splits: { train: one } });
}

const INTERPRETERS = ["python3", ...(existsSync("/usr/bin/python3") ? ["/usr/bin/python3"] : [])];

describe.runIf(bubblewrap)("no host root, whatever the interpreter", () => {
  it.each(INTERPRETERS)(
    "%s: uid seen from outside is not 0; no host sysctl or device is writable",
    async (python) => {
      const v = await createVerifier({ python, limits: TEST_LIMITS, sandbox: TEST_SANDBOX });
      try {
        expect(v.protections.uid_outside).toMatch(/^\d+$/);
        expect(v.protections.uid_outside).not.toBe("0");
        expect(v.protections.host_root).toBe(false);
        // Open every sysctl for appending (never writing a byte) and chmod every device to the mode it
        // already has: both succeed only for a uid that may change them.
        const r = await stopped(
          v,
          "import os",
          [
            "opened = []",
            "for root, dirs, files in os.walk('/proc/sys'):",
            "    for name in files:",
            "        p = os.path.join(root, name)",
            "        try:",
            "            open(p, 'a').close()",
            "            opened.append(p)",
            "        except OSError:",
            "            pass",
            "for p in ['/proc/sysrq-trigger']:",
            "    try:",
            "        open(p, 'a').close()",
            "        opened.append(p)",
            "    except OSError:",
            "        pass",
            "for d in os.listdir('/dev'):",
            "    p = os.path.join('/dev', d)",
            "    try:",
            "        os.chmod(p, os.stat(p).st_mode & 0o7777)",
            "        opened.append(p)",
            "    except OSError:",
            "        pass",
            "if opened:",
            "    raise ValueError('writable: %d, e.g. %s' % (len(opened), opened[:3]))",
            "return os.getuid() != 0",
          ].join("\n"),
        );
        expect(r.message).toBe("");
        expect([r.kind, r.scores.train?.accuracy]).toEqual(["ok", 1]);
      } finally {
        await v.close();
      }
    },
  );
});

describe.runIf(bubblewrap)("nothing else in the sandbox to reach", () => {
  it("the candidate cannot reach any other process of its pid namespace (bwrap's pid 1 included)", async () => {
    // The attack that got through before: write bwrap's pid 1 through /proc/1/mem (it shared the
    // candidate's uid). Now pid 1 is either the candidate itself or root's reaper.
    const r = await stopped(
      verifier,
      "import os, signal",
      [
        "me = str(os.getpid())",
        "reached = []",
        "for p in [p for p in os.listdir('/proc') if p.isdigit() and p != me]:",
        "    for path, mode in (('/proc/%s/mem' % p, 'r+b'), ('/proc/%s/environ' % p, 'rb')):",
        "        try:",
        "            open(path, mode).close()",
        "            reached.append(path)",
        "        except OSError:",
        "            pass",
        "    try:",
        "        os.listdir('/proc/%s/fd' % p)",
        "        reached.append('/proc/%s/fd' % p)",
        "    except OSError:",
        "        pass",
        "    try:",
        "        os.kill(int(p), signal.SIGSTOP)",
        "        reached.append('kill %s' % p)",
        "    except OSError:",
        "        pass",
        "if reached:",
        "    raise ValueError('reached: ' + ', '.join(reached))",
        "return 1",
      ].join("\n"),
    );
    expect(r.message).toBe("");
    expect([r.kind, r.scores.train?.accuracy]).toEqual(["ok", 1]);
  });

  it("pidfd_open, pidfd_getfd, process_vm_readv/writev, kcmp and clearing the parent-death signal are refused", async () => {
    const r = await stopped(
      verifier,
      "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)",
      [
        "calls = {'pidfd_open': (434, os.getpid(), 0), 'pidfd_getfd': (438, 0, 0, 0),",
        "         'process_vm_readv': (310, os.getpid(), 0, 0, 0, 0, 0), 'process_vm_writev': (311, 1, 0, 0, 0, 0, 0),",
        "         'kcmp': (312, 1, 1, 0, 0, 0), 'prctl(PR_SET_PDEATHSIG, 0)': (157, 1, 0)}",
        "allowed = []",
        "for name, args in calls.items():",
        "    if libc.syscall(*args) != -1 or ctypes.get_errno() != 1:",
        "        allowed.append(name)",
        "if allowed:",
        "    raise ValueError('allowed: ' + ', '.join(allowed))",
        "return 1",
      ].join("\n"),
    );
    expect(r.message).toBe("");
    expect([r.kind, r.scores.train?.accuracy]).toEqual(["ok", 1]);
  });
});

describe("the deadline holds", () => {
  it("a candidate that ignores every signal and tries to clear its parent-death signal ends at the wall clock", async () => {
    const marker = uniqueMarker();
    const started = Date.now();
    const r = await verifier.verify({
      code: `import ctypes, signal, time\n${nameSelf(marker)}for s in range(1, 32):\n    try: signal.signal(s, signal.SIG_IGN)\n    except (OSError, ValueError): pass\ntry: ctypes.CDLL(None).prctl(1, 0)\nexcept Exception: pass\ndef f(x):\n    time.sleep(3600)\n`,
      splits: { train: one },
    });
    expect(r.kind).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(TEST_LIMITS.wallMs + 3_000);
    expect(await survivorsNamed(marker)).toEqual([]);
  });
});

describe.runIf(bubblewrap)(
  "limits that rlimits cannot hold (the candidate's cgroup and capped tmpfs)",
  () => {
    let small: SandboxVerifier;
    beforeAll(async () => {
      small = await createVerifier({
        limits: { ...TEST_LIMITS, memoryBytes: 256 * 1024 ** 2, wallMs: 15_000, cpuSeconds: 10 },
        concurrency: 1,
        sandbox: TEST_SANDBOX,
      });
    });
    afterAll(() => small?.close());
    const cgroups = () => small.protections.cgroup_limits === true;

    it("/dev/shm is private and capped: 300 MB do not fit", async () => {
      const r = await stopped(
        small,
        "import os",
        [
          "n = 0",
          "try:",
          "    for i in range(300):",
          "        with open('/dev/shm/f%d' % i, 'wb') as fh:",
          "            fh.write(b'x' * 2**20)",
          "        n += 1",
          "except OSError:",
          "    pass",
          "return n < 100",
        ].join("\n"),
      );
      expect(["ok", "memory_limit"]).toContain(r.kind);
      if (r.kind === "ok") expect(r.scores.train?.accuracy).toBe(1);
    });

    it("SysV shared memory cannot hold 2 GiB under a 256 MiB limit", async (ctx) => {
      if (!cgroups()) ctx.skip("no cgroup on this machine");
      const r = await stopped(
        small,
        "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nlibc.shmat.restype = ctypes.c_void_p",
        [
          "held = 0",
          "for i in range(16):",
          "    sid = libc.shmget(0, 128 * 2**20, 0o1600)",
          "    if sid < 0: break",
          "    addr = libc.shmat(sid, None, 0)",
          "    if addr in (None, ctypes.c_void_p(-1).value): break",
          "    ctypes.memset(addr, 1, 128 * 2**20)",
          "    libc.shmdt(ctypes.c_void_p(addr))",
          "    held += 1",
          "return held < 16",
        ].join("\n"),
      );
      expect(["memory_limit", "ok"]).toContain(r.kind);
      if (r.kind === "ok") expect(r.scores.train?.accuracy).toBe(1);
    });

    it("memfd cannot hold 600 MiB under a 256 MiB limit", async (ctx) => {
      if (!cgroups()) ctx.skip("no cgroup on this machine");
      const r = await stopped(
        small,
        "import os",
        [
          "fds = []",
          "chunk = b'x' * (15 * 2**20)",
          "try:",
          "    for i in range(40):",
          "        fd = os.memfd_create('m%d' % i)",
          "        os.write(fd, chunk)",
          "        fds.append(fd)",
          "except OSError:",
          "    pass",
          "return len(fds) < 40",
        ].join("\n"),
      );
      expect(["memory_limit", "ok"]).toContain(r.kind);
      if (r.kind === "ok") expect(r.scores.train?.accuracy).toBe(1);
    });

    it("processes = 1 holds for threads too: not even a second thread starts", async (ctx) => {
      if (!cgroups()) ctx.skip("no cgroup on this machine");
      const r = await stopped(
        small,
        "import threading, time",
        [
          "started = 0",
          "for i in range(1000):",
          "    try:",
          "        threading.Thread(target=time.sleep, args=(5,), daemon=True).start()",
          "        started += 1",
          "    except RuntimeError:",
          "        break",
          "return started == 0",
        ].join("\n"),
      );
      expect(r.message).toBe("");
      expect([r.kind, r.scores.train?.accuracy]).toEqual(["ok", 1]);
    });

    it("300k files in the scratch /tmp are stopped by the cgroup's memory (kernel memory counts)", async (ctx) => {
      if (!cgroups()) ctx.skip("no cgroup on this machine");
      const tiny = await createVerifier({
        limits: { ...TEST_LIMITS, memoryBytes: 64 * 1024 ** 2, wallMs: 30_000, cpuSeconds: 25 },
        concurrency: 1,
        sandbox: TEST_SANDBOX,
      });
      try {
        const r = await stopped(
          tiny,
          "import os",
          [
            "n = 0",
            "try:",
            "    for i in range(300000):",
            "        os.close(os.open('/tmp/%d' % i, os.O_CREAT | os.O_WRONLY, 0o600))",
            "        n += 1",
            "except OSError:",
            "    pass",
            "return n < 300000",
          ].join("\n"),
        );
        expect(["memory_limit", "ok"]).toContain(r.kind);
        if (r.kind === "ok") expect(r.scores.train?.accuracy).toBe(1);
      } finally {
        await tiny.close();
      }
    });
  },
);

describe("outcomes that blame the sandbox come from the parent only", () => {
  it("a candidate that writes its own sandbox_error with a 65 KB message gets protocol_error, message capped", async () => {
    const r = await verifier.verify({
      code: [
        "import os",
        "for fd in range(3, 64):",
        "    try:",
        "        os.write(fd, b'X sandbox_error ' + b'A' * 65000 + b'\\n')",
        "    except OSError:",
        "        pass",
        "os._exit(0)",
        "def f(x): return 1",
      ].join("\n"),
      splits: { train: one },
    });
    expect(r.kind).toBe("protocol_error");
    expect(r.message.length).toBeLessThan(400);
  });

  it("terminal escapes in an exception message are stripped before anything prints them", async () => {
    const r = await verifier.verify({
      code: "def f(x):\n    raise ValueError('\\x1b]0;pwned\\x07\\x1b[2J\\u202e')\n",
      splits: { train: one },
    });
    expect(r.kind).toBe("ok");
    expect(r.message).toMatch(/ValueError/);
    const controls = [...r.message].filter(
      (c) => c.charCodeAt(0) < 32 || (c.charCodeAt(0) >= 127 && c.charCodeAt(0) < 160) || c === "\u202e",
    );
    expect(controls).toEqual([]);
  });

  it("a RecursionError while compiling is the candidate's syntax_error, not a sandbox or protocol error", async () => {
    const r = await verifier.verify({
      code: `x = 1${"+1".repeat(200_000)}\ndef f(x): return 1\n`,
      splits: { train: one },
    });
    expect(r.kind).toBe("syntax_error");
  });
});
