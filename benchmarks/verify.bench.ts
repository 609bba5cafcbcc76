// Verification speed, spawn to accuracy: `npx tsx benchmarks/verify.bench.ts [runs]`.
// Targets (issue 3): a trivial candidate on 10,000 inputs under 150 ms; a Miller-Rabin candidate on
// 10,000 100-digit inputs within 1.3x of plain python3 running the same loop.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { Example } from "../src/core/example.js";
import type { SandboxMode } from "../src/verify/sandbox-launch.js";
import { createVerifier, type SandboxVerifier } from "../src/verify/sandbox-verifier.js";

const RUNS = Number(process.argv[2] ?? 15);
const N = 10_000;

const TRIVIAL = "def f(x):\n    return x[-1] == '1'\n";
const MILLER_RABIN = `
def f(x):
    n = int(x)
    if n < 2:
        return 0
    small = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)
    for p in small:
        if n % p == 0:
            return int(n == p)
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for a in small:
        y = pow(a, d, n)
        if y == 1 or y == n - 1:
            continue
        for _ in range(s - 1):
            y = y * y % n
            if y == n - 1:
                break
        else:
            return 0
    return 1
`;

/** A small deterministic generator (xorshift32) so every run scores the same inputs. */
function digits(count: number, length: number, seed: number): string[] {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return Array.from({ length: count }, () => {
    let out = String(1 + (next() % 9));
    while (out.length < length - 1) out += String(next() % 10);
    return out + String([1, 3, 7, 9][next() % 4]);
  });
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { median: at(0.5), p90: at(0.9), min: s[0]! };
};

async function timeVerify(
  v: SandboxVerifier,
  code: string,
  train: Example[],
  runs: number,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = await v.verify({ code, splits: { train } });
    times.push(performance.now() - t);
    if (r.kind !== "ok") throw new Error(`benchmark candidate failed: ${r.kind} ${r.message}`);
  }
  return times;
}

/** Plain python3 (same interpreter, -I -S) running the same loop over the same inputs from a file. */
async function timePlain(python: string, code: string, inputs: string[], runs: number): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), "llm-erm-bench-"));
  const file = join(dir, "inputs.txt");
  writeFileSync(file, inputs.join("\n"));
  const script = `${code}\nimport sys\nxs = open(sys.argv[1]).read().split('\\n')\nr = ''.join('1' if f(x) else '0' for x in xs)\nsys.stdout.write(str(r.count('1')))\n`;
  const times: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await new Promise<void>((resolve, reject) => {
        const c = spawn(python, ["-I", "-S", "-c", script, file], { stdio: ["ignore", "pipe", "inherit"] });
        c.stdout.resume();
        c.on("error", reject);
        c.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`python exited ${code}`))));
      });
      times.push(performance.now() - t);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return times;
}

const trivialTrain: Example[] = Array.from({ length: N }, (_, i) => {
  const x = i.toString(2).padStart(20, "0");
  return { x, y: x.endsWith("1") ? 1 : 0 };
});
const primeInputs = digits(N, 100, 42);
const primeTrain: Example[] = primeInputs.map((x) => ({ x, y: 0 }));

const rows: string[] = [];
const notes: string[] = [];
for (const mode of ["bubblewrap", "rlimits"] as SandboxMode[]) {
  const v = await createVerifier({ sandbox: mode, concurrency: 1 });
  try {
    if (v.mode !== mode) {
      notes.push(`${mode}: not available here (fell back to ${v.mode})`);
      continue;
    }
    const p = v.protections;
    notes.push(
      `${mode}: uid=${p.uid}; seccomp=${p.seccomp}; net/pid/ipc namespaces=${p.net_namespace}; ` +
        `filesystem isolated=${p.filesystem_isolated}; python=${p.python}`,
    );
    await timeVerify(v, TRIVIAL, trivialTrain, 2); // warm the page cache
    const trivial = stats(await timeVerify(v, TRIVIAL, trivialTrain, RUNS));
    rows.push(
      `| trivial f, ${N} inputs | ${mode} | ${RUNS} | ${trivial.min.toFixed(1)} | ${trivial.median.toFixed(1)} | ${trivial.p90.toFixed(1)} | target < 150 ms: ${trivial.median < 150 ? "met" : "MISSED"} |`,
    );
    const mrRuns = Math.max(5, Math.ceil(RUNS / 2));
    // Interleave plain and sandboxed runs so machine load hits both alike.
    const mrTimes: number[] = [];
    const plainTimes: number[] = [];
    for (let i = 0; i < mrRuns; i++) {
      plainTimes.push(...(await timePlain(v.python.executable, MILLER_RABIN, primeInputs, 1)));
      mrTimes.push(...(await timeVerify(v, MILLER_RABIN, primeTrain, 1)));
    }
    const mr = stats(mrTimes);
    const plain = stats(plainTimes);
    const ratio = mr.median / plain.median;
    rows.push(
      `| Miller-Rabin, ${N} x 100 digits | plain python3 -I -S | ${mrRuns} | ${plain.min.toFixed(1)} | ${plain.median.toFixed(1)} | ${plain.p90.toFixed(1)} | baseline |`,
      `| Miller-Rabin, ${N} x 100 digits | ${mode} | ${mrRuns} | ${mr.min.toFixed(1)} | ${mr.median.toFixed(1)} | ${mr.p90.toFixed(1)} | ${ratio.toFixed(2)}x plain (target <= 1.3x: ${ratio <= 1.3 ? "met" : "MISSED"}) |`,
    );
  } finally {
    await v.close();
  }
}

console.log(
  `\nVerification speed (spawn to accuracy), load average ${loadavg()[0]!.toFixed(2)} on ${process.arch}\n`,
);
console.log("| case | sandbox | runs | min ms | median ms | p90 ms | result |");
console.log("|---|---|---|---|---|---|---|");
for (const r of rows) console.log(r);
console.log("");
for (const n of notes) console.log(`- ${n}`);
