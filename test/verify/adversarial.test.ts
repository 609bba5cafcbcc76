// Hostile and broken candidates. Each test asserts the outcome kind and that nothing escaped: files not
// written, the test process alive, no sandboxed process left behind, labels not recoverable.

import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { homedir, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
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

const PROJECT = fileURLToPath(new URL("../..", import.meta.url));
const few = examples(4, () => 1);

let verifier: SandboxVerifier;
beforeAll(async () => {
  verifier = await createVerifier({ limits: TEST_LIMITS, concurrency: 2, sandbox: TEST_SANDBOX });
});
afterAll(() => verifier?.close());

const run = (code: string, train = few) => verifier.verify({ code, splits: { train } });
// What this machine's tier promises. Where a protection is absent, the test asserts that the verifier
// says so instead of running an attack that would really escape (e.g. killing the test runner).
const isolated = () => verifier.protections.filesystem_isolated === true;
const seccomp = () => verifier.protections.seccomp === true;
const realNobody = () =>
  verifier.protections.uid_outside !== "0" && verifier.protections.uid_outside !== "unknown";
const pidIsolated = () => verifier.protections.pid_namespace === true;
const forkBlocked = () => seccomp() || realNobody();

/** bwrap on PATH (the tier CI installs with scripts/install-system-deps.sh). */
const bwrapInstalled = (): boolean => {
  try {
    execFileSync("bwrap", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};

// The tests below skip (visibly) an attack whose protection this machine lacks. Without this gate, a
// machine where bubblewrap silently failed its probe would skip them all and still pass.
describe("the sandbox tier under test", () => {
  it("is the tier asked for: bubblewrap with seccomp wherever bwrap is installed or on CI", () => {
    if (TEST_SANDBOX !== "auto") {
      expect(verifier.mode).toBe(TEST_SANDBOX);
      return;
    }
    // auto never degrades: without bwrap, createVerifier refused and beforeAll failed.
    if (process.env.CI !== undefined) expect(bwrapInstalled()).toBe(true);
    expect(verifier.mode, "bubblewrap is installed but its probe failed; see the sandbox_probe log").toBe(
      "bubblewrap",
    );
    for (const key of [
      "filesystem_isolated",
      "net_namespace",
      "pid_namespace",
      "seccomp",
      "rlimits",
      "proc_sys_read_only",
      "devices_protected",
      "private_shm",
      "fork_blocked",
      "no_new_privs",
    ]) {
      expect(verifier.protections[key], key).toBe(true);
    }
    expect(verifier.protections.host_root).toBe(false);
    expect(verifier.protections.uid_outside).not.toBe("0");
    // CI machines (root, cgroup v1) give every candidate its own group.
    if (process.env.CI !== undefined) expect(verifier.protections.cgroup_limits).toBe(true);
  });
});

describe("candidates that do not halt", () => {
  it("an infinite loop times out and leaves no process behind", async () => {
    const marker = uniqueMarker();
    const r = await run(`${nameSelf(marker)}def f(x):\n    while True:\n        pass\n`);
    expect(r.kind).toBe("timeout");
    expect(await survivorsNamed(marker)).toEqual([]);
  });

  it("a sleep times out on the wall clock (it uses no CPU)", async () => {
    const r = await run("import time\ndef f(x):\n    time.sleep(60)\n    return 1\n");
    expect(r.kind).toBe("timeout");
    expect(r.message).toMatch(/wall clock/);
  });

  it("a busy loop hits the CPU rlimit before a long wall clock", async () => {
    const v = await createVerifier({
      limits: { ...TEST_LIMITS, cpuSeconds: 1, wallMs: 8_000 },
      sandbox: TEST_SANDBOX,
    });
    try {
      const r = await v.verify({ code: "def f(x):\n    while True: pass\n", splits: { train: few } });
      expect(r.kind).toBe("timeout");
      expect(r.message).toMatch(/CPU/);
    } finally {
      await v.close();
    }
  });
});

describe("resource bombs", () => {
  it("a memory bomb is a memory_limit outcome", async () => {
    const r = await run("def f(x):\n    a = []\n    while True:\n        a.append(bytearray(10**7))\n");
    expect(r.kind).toBe("memory_limit");
  });

  it("one huge allocation at import time is a memory_limit outcome", async () => {
    const r = await run("blob = bytearray(10**11)\ndef f(x): return 1\n");
    expect(r.kind).toBe("memory_limit");
  });

  it("a fork bomb cannot fork, and nothing it started survives", async (ctx) => {
    if (!forkBlocked()) ctx.skip("neither seccomp nor a real nobody uid: a fork bomb would really fork");
    const marker = uniqueMarker();
    const code = `import os\n${nameSelf(marker)}def f(x):\n    while True:\n        if os.fork() == 0:\n            import time\n            time.sleep(60)\n`;
    const r = await run(code);
    expect(r.kind).toBe("ok");
    expect(r.scores.train?.exceptions).toBe(few.length); // every fork refused
    expect(await survivorsNamed(marker)).toEqual([]);
  });

  it("subprocess and threads-of-processes are refused (seccomp)", async (ctx) => {
    if (!seccomp()) ctx.skip("no seccomp filter on this machine");
    const r = await run("import subprocess\ndef f(x):\n    subprocess.run(['true'])\n    return 1\n");
    expect(r.kind).toBe("ok");
    expect(r.scores.train?.exceptions).toBe(few.length);
  });

  it("open files and file sizes are capped (RLIMIT_NOFILE, RLIMIT_FSIZE): the candidate's own call fails", async () => {
    const fds = await run(
      "import os\ndef f(x):\n    fs = [open('/dev/null') for _ in range(10_000)]\n    return 1\n",
    );
    expect(fds.kind).toBe("ok");
    expect(fds.scores.train?.exceptions).toBe(few.length);
    expect(fds.message).toMatch(/Too many open files/);
    const big = await run(
      "import tempfile\ndef f(x):\n    with tempfile.TemporaryFile() as t:\n        t.write(b'0' * (10**8))\n        t.flush()\n    return 1\n",
    );
    expect(big.kind).toBe("ok");
    expect(big.scores.train?.exceptions).toBe(few.length);
  });

  it("huge prints go nowhere; the result is still scored", async () => {
    const r = await run(
      "import sys\nprint('x' * 10**7)\ndef f(x):\n    print('y' * 10**6)\n    sys.stderr.write('z' * 10**6)\n    return 1\n",
    );
    expect(r.kind).toBe("ok");
    expect(r.scores.train?.accuracy).toBe(1);
  });

  it("writing into the result channel is a protocol_error, never a score", async () => {
    const r = await run(
      "import os\ndef f(x):\n    for fd in range(3, 64):\n        try: os.write(fd, b'1' * 100 + b'\\nD 0 \\n')\n        except OSError: pass\n    return 0\n",
    );
    expect(r.kind).toBe("protocol_error");
    expect(r.scores.train?.correct).toBe(0);
  });

  it("flooding the result channel is cut off at the output cap", async () => {
    const r = await run(
      "import os\ndef f(x):\n    while True:\n        for fd in range(3, 16):\n            try: os.write(fd, b'1' * 65536)\n            except OSError: pass\n",
    );
    expect(["output_limit", "protocol_error"]).toContain(r.kind);
  });

  it("deep recursion is a per-input exception, or a crash when it overflows the C stack", async () => {
    const plain = await run("def f(x):\n    return f(x)\n");
    expect(plain.kind).toBe("ok");
    expect(plain.scores.train?.exceptions).toBe(few.length);
    // Calls through a C slot use the C stack: with the recursion limit lifted, python segfaults.
    const deep = await run(
      "import sys\nsys.setrecursionlimit(10**7)\ndef f(x, n=0):\n    return f.__call__(x, n + 1)\n",
    );
    expect(deep.kind).toBe("crashed");
  });
});

describe("escapes", () => {
  let server: Server;
  let connections = 0;
  let port = 0;
  beforeAll(async () => {
    server = createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("writes to /tmp and the project never reach the host", async (ctx) => {
    const name = `llm-erm-escape-${uniqueMarker()}`;
    if (!isolated() && !realNobody()) {
      expect(verifier.protections.filesystem).toMatch(/host filesystem/);
      ctx.skip("host filesystem writable by the candidate's uid (no bubblewrap, no nobody)");
    }
    // As nobody without bubblewrap, the world-writable /tmp stays writable: only the project is checked.
    const targets = isolated()
      ? [join(tmpdir(), name), join(PROJECT, name), join("/tmp", `${name}-b`)]
      : [join(PROJECT, name)];
    const code = `def f(x):\n    ok = 0\n    for p in ${JSON.stringify(targets)}:\n        try:\n            open(p, 'w').write('pwned')\n            ok += 1\n        except OSError:\n            pass\n    return 0\n`;
    const r = await run(code);
    expect(r.kind).toBe("ok");
    for (const t of targets) expect(existsSync(t), t).toBe(false);
  });

  it("the dataset files and the user's home are not readable", async (ctx) => {
    if (!isolated() && !realNobody()) {
      expect(verifier.protections.filesystem).toMatch(/host filesystem/);
      ctx.skip("host filesystem readable by the candidate's uid (no bubblewrap, no nobody)");
    }
    const dir = mkdtempSync(join(tmpdir(), "llm-erm-dataset-"));
    const train = examples(16, (_x, i) => (i % 3 === 0 ? 1 : 0));
    writeFileSync(join(dir, "train.txt"), train.map((e) => `${e.x} -> ${e.y}`).join("\n"));
    // Entries of the real home, except the path down to the interpreter (bound read-only for python).
    const home = homedir();
    const interpreterTop = new Set(verifier.python.dirs.map((d) => relative(home, d).split("/")[0]));
    const secrets = readdirSync(home)
      .filter((e) => !interpreterTop.has(e))
      .map((e) => join(home, e));
    try {
      const code = [
        "import os",
        "labels = {}",
        "try:",
        `    for line in open(${JSON.stringify(join(dir, "train.txt"))}):`,
        "        a, b = line.split(' -> ')",
        "        labels[a] = int(b)",
        "except OSError:",
        "    pass",
        `seen = [p for p in ${JSON.stringify(secrets)} if os.path.lexists(p)]`,
        "def f(x):",
        "    if seen:",
        "        return 'leak'",
        "    return labels.get(x, 1)",
      ].join("\n");
      const r = await run(code, train);
      expect(r.kind).toBe("ok");
      // The cheat scores 1.0; a leak predicts 1 everywhere; isolation predicts 1 everywhere too, so the
      // score is exactly the positives' share unless the labels were read.
      expect(r.scores.train?.correct).toBe(train.filter((e) => e.y === 1).length);
      if (isolated()) {
        const leak = await run(
          `import os\ndef f(x):\n    return any(os.path.lexists(p) for p in ${JSON.stringify(secrets)})\n`,
          examples(2, () => 0),
        );
        expect(leak.scores.train?.accuracy).toBe(1);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("walking frames and the garbage collector finds no label", async () => {
    const train = examples(32, (_x, i) => ((i * 7) % 5 < 2 ? 1 : 0));
    const code = [
      "import gc, sys",
      "def f(x):",
      "    hits = 0",
      "    frame = sys._getframe()",
      "    while frame is not None:",
      "        for v in list(frame.f_locals.values()) + list(frame.f_globals.values()):",
      "            if isinstance(v, (dict, list, tuple)) and ' -> ' in repr(v)[:100000]:",
      "                hits += 1",
      "        frame = frame.f_back",
      "    for o in gc.get_objects():",
      "        if isinstance(o, (dict, tuple)):",
      "            try:",
      "                if o.get(x) in (0, 1) if isinstance(o, dict) else (len(o) == 2 and o[0] == x and o[1] in (0, 1)):",
      "                    hits += 1",
      "            except Exception:",
      "                pass",
      "    return 0 if hits == 0 else 1",
    ].join("\n");
    const r = await run(code, train);
    expect(r.kind).toBe("ok");
    // Every prediction is 0 (no hit anywhere): exactly the negatives are right.
    expect(r.scores.train?.correct).toBe(train.filter((e) => e.y === 0).length);
  });

  it("no network: not the internet, not a server on the host's loopback", async (ctx) => {
    if (!verifier.protections.net_namespace) ctx.skip("no network namespace on this machine");
    const code = [
      "import socket",
      "def f(x):",
      "    for host in ('127.0.0.1', '1.1.1.1'):",
      "        try:",
      `            socket.create_connection((host, ${port} if host == '127.0.0.1' else 80), timeout=0.5).close()`,
      "            return 1",
      "        except OSError:",
      "            pass",
      "    return 0",
    ].join("\n");
    const r = await run(
      code,
      examples(2, () => 0),
    );
    expect(r.kind).toBe("ok");
    expect(r.scores.train?.accuracy).toBe(1);
    expect(connections).toBe(0);
  });

  it("killing the parent, the group, other processes or everything reaches no host process", async (ctx) => {
    if (!pidIsolated() && !realNobody()) {
      expect(verifier.protections.uid).toMatch(/NOT dropped/);
      ctx.skip("no pid namespace and the uid is not dropped: the candidate could signal this process");
    }
    // Sentinels: one ours (root's), one with the candidate's own host uid. Neither may die.
    const mine = spawn("sleep", ["60"], { stdio: "ignore" });
    const sameUid = spawn("sleep", ["60"], { stdio: "ignore", uid: 65534, gid: 65534 });
    try {
      const variants = [
        "os.kill(os.getppid(), signal.SIGKILL)",
        "os.killpg(os.getpgid(0), signal.SIGKILL)",
        `os.kill(${process.pid}, signal.SIGKILL)`,
        `os.kill(${mine.pid}, signal.SIGKILL)`,
        `os.kill(${sameUid.pid}, signal.SIGKILL)`,
        `os.kill(${process.ppid}, signal.SIGTERM)`,
      ];
      if (isolated()) variants.push("os.kill(-1, signal.SIGKILL)");
      for (const v of variants) {
        const r = await run(
          `import os, signal\ndef f(x):\n    try:\n        ${v}\n    except OSError:\n        pass\n    return 1\n`,
        );
        expect(["ok", "crashed"], v).toContain(r.kind);
      }
      await new Promise((r) => setTimeout(r, 100));
      expect([mine.exitCode, mine.signalCode]).toEqual([null, null]);
      expect([sameUid.exitCode, sameUid.signalCode]).toEqual([null, null]);
    } finally {
      mine.kill("SIGKILL");
      sameUid.kill("SIGKILL");
    }
  });

  it("the environment holds no API key", async () => {
    process.env.OPENAI_API_KEY = "fake-openai-key";
    try {
      const r = await run(
        "import os\ndef f(x):\n    return 'sk-' in repr(dict(os.environ)) or 'OPENAI_API_KEY' in os.environ\n",
        examples(2, () => 0),
      );
      expect(r.scores.train?.accuracy).toBe(1);
    } finally {
      delete process.env.OPENAI_API_KEY;
    }
  });
});

describe("exits and crashes are outcomes", () => {
  it.each([
    ["os._exit in f", "import os\ndef f(x):\n    os._exit(0)\n", "crashed"],
    ["os._exit at import", "import os\nos._exit(7)\ndef f(x): return 1\n", "crashed"],
    ["sys.exit in f", "import sys\ndef f(x):\n    sys.exit(3)\n", "crashed"],
    ["sys.exit at import", "import sys\nsys.exit(0)\ndef f(x): return 1\n", "crashed"],
    ["KeyboardInterrupt", "def f(x):\n    raise KeyboardInterrupt\n", "crashed"],
    [
      "SIGINT to itself",
      "import os, signal\ndef f(x):\n    os.kill(os.getpid(), signal.SIGINT)\n    return 1\n",
      "crashed",
    ],
    ["segfault through ctypes", "import ctypes\ndef f(x):\n    return ctypes.string_at(0)\n", "crashed"],
    ["exception at import", "raise RuntimeError('boom')\ndef f(x): return 1\n", "module_error"],
    ["syntax error", "def f(x)\n    return 1\n", "syntax_error"],
    ["no function", "f = lambda x: 1\n", "no_function"],
  ])("%s", async (_name, code, kind) => {
    const r = await run(code);
    expect(r.kind).toBe(kind);
    expect(r.scores.train).toEqual({ correct: 0, total: few.length, accuracy: 0, exceptions: 0 });
    expect(r.message.length).toBeGreaterThan(0);
  });

  it("a segfault says so", async () => {
    const r = await run("import ctypes\ndef f(x):\n    return ctypes.string_at(0)\n");
    expect(r.message).toMatch(/SIGSEGV|segmentation/);
  });

  it("a missing module is reported plainly", async () => {
    const r = await run("import numpy_surely_not_installed_xyz as np\ndef f(x): return 1\n");
    expect(r.kind).toBe("import_error");
    expect(r.message).toBe("ModuleNotFoundError: No module named 'numpy_surely_not_installed_xyz'");
  });
});

describe("odd return types are normalised as the paper does", () => {
  // [python expression, expected 0/1, or "E" when normalising raises]
  const cases: [string, 0 | 1 | "E"][] = [
    ["True", 1],
    ["False", 0],
    ["0", 0],
    ["7", 1],
    ["-1", 1],
    ["'1'", 1],
    ["'0'", 0],
    ["' \"1\" '", 1],
    ["\"'0'\"", 0],
    ["'TRUE'", 1],
    ["'False'", 0],
    ["'2.5'", 1],
    ["'0.0'", 0],
    ["'0.4'", 0],
    ["'-3'", 1],
    ["'abc'", 1],
    ["''", 0],
    ["'  '", 0],
    ["'nan'", 1],
    ["0.0", 0],
    ["0.3", 1],
    ["None", 0],
    ["[]", 0],
    ["[0]", 1],
    ["Item(1)", 1],
    ["Item(0)", 0],
    ["Item(True)", 1],
    ["Item('0')", 0],
    ["Bad()", "E"],
  ];
  const prelude = [
    "class Item:",
    "    def __init__(self, v): self.v = v",
    "    def item(self): return self.v",
    "class Bad:",
    "    def __bool__(self): raise ValueError('ambiguous')",
    `VALUES = [${cases.map(([e]) => e).join(", ")}]`,
    "def f(x):",
    "    return VALUES[int(x, 2)]",
  ].join("\n");

  it("each value becomes the expected label", async () => {
    const train = cases.map(([, want], i) => ({
      x: i.toString(2).padStart(12, "0"),
      y: (want === 1 ? 1 : 0) as 0 | 1,
    }));
    const r = await run(prelude, train);
    expect(r.kind).toBe("ok");
    const raising = cases.filter(([, w]) => w === "E").length;
    expect(r.scores.train).toEqual({
      correct: cases.length - raising,
      total: cases.length,
      accuracy: (cases.length - raising) / cases.length,
      exceptions: raising,
    });
    // Flipped labels: every normalised value is now wrong, so none can be right by accident.
    const flipped = train.map((e) => ({ x: e.x, y: (1 - e.y) as 0 | 1 }));
    const r2 = await run(prelude, flipped);
    expect(r2.scores.train?.correct).toBe(0);
  });
});

describe("side effects at import time", () => {
  it("prints, stdin reads, atexit hooks and stdout swaps do not disturb scoring", async () => {
    const code = [
      "import sys, os, atexit",
      "print('hello from import')",
      "sys.stdout.write('L f\\n111\\nD 0 \\n')",
      "data = sys.stdin.read()",
      "os.write(1, b'X crashed fake\\n')",
      "atexit.register(lambda: os.write(3, b'garbage'))",
      "sys.stdout = None",
      "def f(x):",
      "    return int(x, 2) % 2 == 0 and data == ''",
    ].join("\n");
    const train = examples(10, (x) => (Number.parseInt(x, 2) % 2 === 0 ? 1 : 0));
    const r = await run(code, train);
    expect(r.kind).toBe("ok");
    expect(r.scores.train?.accuracy).toBe(1);
  });
});
