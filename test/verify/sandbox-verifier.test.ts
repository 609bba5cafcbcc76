import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import { createVerifier, type SandboxVerifier, scoreCandidate } from "../../src/verify/sandbox-verifier.js";
import { examples, TEST_LIMITS, TEST_SANDBOX } from "./sandbox-helpers.js";

const sha256Parity = (x: string): 0 | 1 => {
  let ones = 0;
  for (const byte of createHash("sha256").update(x, "ascii").digest()) {
    for (let b = byte; b; b >>= 1) ones += b & 1;
  }
  return (ones % 2) as 0 | 1;
};

describe("the sandboxed verifier", () => {
  let verifier: SandboxVerifier;
  const events: Record<string, unknown>[] = [];
  beforeAll(async () => {
    verifier = await createVerifier({
      limits: TEST_LIMITS,
      concurrency: 2,
      sandbox: TEST_SANDBOX,
      log: (e) => events.push(e),
    });
  });
  afterAll(() => verifier?.close());

  it("logs every protection, present or absent", () => {
    const logged = events.find((e) => e.event === "sandbox_protections");
    expect(logged).toBeDefined();
    for (const key of ["mode", "bubblewrap", "net_namespace", "pid_namespace", "seccomp", "rlimits", "uid"]) {
      expect(logged, key).toHaveProperty(key);
      expect(verifier.protections[key]).toBe(logged?.[key]);
    }
    expect(events.some((e) => e.event === "sandbox_probe" && e.ok === true)).toBe(true);
  });

  it("runs the module as Python runs a module: a module-level import is visible to f (fn_l)", async () => {
    const code = [
      "import hashlib",
      "def f(x):",
      "    d = hashlib.sha256(x.encode('ascii')).digest()",
      "    return sum(bin(b).count('1') for b in d) % 2",
    ].join("\n");
    const train = examples(200, (x) => sha256Parity(x));
    const r = await verifier.verify({ code, splits: { train } });
    expect(r.kind).toBe("ok");
    expect(r.scores.train).toEqual({ correct: 200, total: 200, accuracy: 1, exceptions: 0 });
    expect(r.functionName).toBe("f");
  });

  it("scores each split separately, in the order given, from inputs alone", async () => {
    const parity = (x: string): 0 | 1 => ((x.split("1").length - 1) % 2) as 0 | 1;
    const train = examples(64, parity);
    const val = examples(64, (x) => (1 - parity(x)) as 0 | 1);
    const test = examples(128, parity).slice(64);
    const r = await verifier.verify({
      code: "def f(x):\n    return x.count('1') % 2\n",
      splits: { train, val, test },
    });
    expect(r.kind).toBe("ok");
    expect(r.scores.train?.accuracy).toBe(1);
    expect(r.scores.val?.accuracy).toBe(0);
    expect(r.scores.test).toEqual({ correct: 64, total: 64, accuracy: 1, exceptions: 0 });
  });

  it("prefers f, else takes the first top-level function, and names it", async () => {
    const train = examples(8, () => 1);
    const withF = await verifier.verify({
      code: "def g(x): return 0\ndef f(x): return 1\n",
      splits: { train },
    });
    expect([withF.functionName, withF.scores.train?.accuracy]).toEqual(["f", 1]);
    const first = await verifier.verify({
      code: "def helper(x): return 1\ndef solve(x): return 0\n",
      splits: { train },
    });
    expect([first.functionName, first.scores.train?.accuracy]).toEqual(["helper", 1]);
    const none = await verifier.verify({
      code: "x = 1\nclass A:\n    def f(self): return 1\n",
      splits: { train },
    });
    expect(none.kind).toBe("no_function");
  });

  it("counts an input on which f raises as wrong, and counts it", async () => {
    const train = examples(10, () => 1);
    const r = await verifier.verify({
      code: "def f(x):\n    if x.endswith('1'):\n        raise ValueError('odd ' + x)\n    return 1\n",
      splits: { train },
    });
    expect(r.kind).toBe("ok");
    expect(r.scores.train).toEqual({ correct: 5, total: 10, accuracy: 0.5, exceptions: 5 });
    expect(r.message).toMatch(/ValueError: odd/);
  });

  it("reports syntax errors with the line", async () => {
    const r = await verifier.verify({
      code: "def f(x):\n    return (\n",
      splits: { train: examples(2, () => 0) },
    });
    expect(r.kind).toBe("syntax_error");
    expect(r.message).toMatch(/line \d/);
    expect(r.scores.train).toEqual({ correct: 0, total: 2, accuracy: 0, exceptions: 0 });
  });

  it("scoreCandidate turns unparseable model text into no_code_found with zero scores", async () => {
    const r = await scoreCandidate(verifier, "I think the rule is parity.", { val: examples(4, () => 1) });
    expect(r.kind).toBe("no_code_found");
    expect(r.scores.val).toEqual({ correct: 0, total: 4, accuracy: 0, exceptions: 0 });
    const ok = await scoreCandidate(verifier, 'Sure! {"code": "```python\\ndef f(x):\\n  return 1\\n```"}', {
      val: examples(4, () => 1),
    });
    expect([ok.kind, ok.via, ok.scores.val?.accuracy]).toEqual(["ok", "brace_span", 1]);
  });

  it("verifies many jobs concurrently and keeps each result with its job", async () => {
    const train = examples(32, (_x, i) => (i % 2) as 0 | 1);
    const jobs = [0, 1, 2, 3, 4, 5].map((k) =>
      verifier.verify({
        code: `def f(x):\n    return ${k % 2}\n`,
        splits: { train: train.slice(0, 10 + k) },
      }),
    );
    const results = await Promise.all(jobs);
    results.forEach((r, k) => {
      expect(r.scores.train?.total).toBe(10 + k);
      const ones = train.slice(0, 10 + k).filter((e) => e.y === 1).length;
      expect(r.scores.train?.correct).toBe(k % 2 ? ones : 10 + k - ones);
    });
  });

  it("an abort kills the child at once and rejects with the signal's reason", async () => {
    const controller = new AbortController();
    const pending = verifier.verify(
      { code: "def f(x):\n    while True: pass\n", splits: { train: examples(2, () => 1) } },
      controller.signal,
    );
    setTimeout(() => controller.abort(new Error("stop now")), 100);
    // Rejecting (instead of resolving with a timeout outcome) shows the abort path killed it.
    await expect(pending).rejects.toThrow("stop now");
  });

  it("scores an input containing a newline as it is (inputs are framed by byte length, not by lines)", async () => {
    const r = await verifier.verify({ code: "def f(x): return 1", splits: { train: [{ x: "a\nb", y: 1 }] } });
    expect(r.kind).toBe("ok");
  });
});

describe("createVerifier", () => {
  it("names a missing --python path in a UsageError", async () => {
    await expect(createVerifier({ python: "/nonexistent/bin/python3" })).rejects.toThrow(UsageError);
    await expect(createVerifier({ python: "/nonexistent/bin/python3" })).rejects.toThrow(
      /nonexistent\/bin\/python3/,
    );
    await expect(createVerifier({ python: "/bin/true" })).rejects.toThrow(/\/bin\/true/);
  });

  it("runs rlimits only when named, says what it gives up, and still scores", async () => {
    const events: Record<string, unknown>[] = [];
    const v = await createVerifier({
      limits: { ...TEST_LIMITS, wallMs: 800 },
      sandbox: "rlimits",
      log: (e) => events.push(e),
    });
    try {
      expect(v.mode).toBe("rlimits");
      expect(v.protections.bubblewrap).toBe(false);
      expect(v.protections.net_namespace).toBe(false);
      expect(events.find((e) => e.event === "sandbox_protections")?.mode).toBe("rlimits");
      expect(String(events.find((e) => e.event === "sandbox_warning")?.message)).toMatch(
        /--sandbox rlimits: no isolation.*labels included/,
      );
      const r = await v.verify({
        code: "import os\ndef f(x): return x[-1]",
        splits: { train: examples(6, (x) => (x.endsWith("1") ? 1 : 0)) },
      });
      expect([r.kind, r.scores.train?.accuracy]).toEqual(["ok", 1]);
      const loop = await v.verify({
        code: "def f(x):\n    while True: pass",
        splits: { train: examples(2, () => 1) },
      });
      expect(loop.kind).toBe("timeout");
    } finally {
      await v.close();
    }
  });
});

describe("--python pointing at a venv", () => {
  it("sees the venv's site-packages inside the sandbox, and the base interpreter does not", async () => {
    const dir = mkdtempSync(join(tmpdir(), "llm-erm-venv-"));
    try {
      execFileSync("python3", ["-m", "venv", "--without-pip", join(dir, "venv")]);
      const site = execFileSync(join(dir, "venv", "bin", "python"), [
        "-I",
        "-c",
        "import sysconfig; print(sysconfig.get_paths()['purelib'])",
      ])
        .toString()
        .trim();
      writeFileSync(join(site, "llmerm_venv_only.py"), "def parity(x):\n    return x.count('1') % 2\n");
      const code = "from llmerm_venv_only import parity\ndef f(x):\n    return parity(x)\n";
      const train = examples(16, (x) => ((x.split("1").length - 1) % 2) as 0 | 1);
      const inVenv = await createVerifier({
        python: join(dir, "venv", "bin", "python"),
        limits: TEST_LIMITS,
      });
      try {
        const r = await inVenv.verify({ code, splits: { train } });
        expect([r.kind, r.scores.train?.accuracy]).toEqual(["ok", 1]);
      } finally {
        await inVenv.close();
      }
      const base = await createVerifier({ limits: TEST_LIMITS });
      try {
        const r = await base.verify({ code, splits: { train } });
        expect(r.kind).toBe("import_error");
        expect(r.message).toBe("ModuleNotFoundError: No module named 'llmerm_venv_only'");
      } finally {
        await base.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
