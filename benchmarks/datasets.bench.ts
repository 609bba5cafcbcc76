/**
 * Generates the whole paper grid (60 datasets of 100/100/10000, seed 42) into a fresh temporary directory
 * with the worker pool, and prints Markdown tables: total wall and CPU time, the slowest datasets, the
 * L=100 and L=50 prime datasets built alone (in this thread, with 1 and with 2 next-prime threads), and
 * the cost of one 100-digit next-prime: the plain BigInt code (primality.ts) and the engine.
 * CPU time is this process's user + system time over all its threads: on a machine loaded by other work
 * it is the steadier number (wall time on an idle machine is about CPU / cores when the work spreads).
 * Run: npx tsx benchmarks/datasets.bench.ts [--jobs N] [--grid-only]
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRandom } from "../src/core/random.js";
import { buildDatasets } from "../src/dataset/build-pool.js";
import { generateSplits } from "../src/dataset/generate.js";
import { specsForGrid } from "../src/dataset/spec.js";
import { configureNextPrimes, getNextPrimeEngine, nextPrime } from "../src/primes/index.js";

const cli = fileURLToPath(new URL("../bin/llm-erm.js", import.meta.url));

/** CPU seconds (user + system) of this process's waited-for children, from /proc (Linux; else NaN). */
function childCpuSeconds(): number {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // after the name: state is field 3, so cutime (16) and cstime (17) are at 13 and 14 here
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return Number.NaN;
  }
}

const jobsFlag = process.argv.indexOf("--jobs");
const jobs = jobsFlag > 0 ? Number(process.argv[jobsFlag + 1]) : availableParallelism();
const gridOnly = process.argv.includes("--grid-only");
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const dir = mkdtempSync(join(tmpdir(), "llm-erm-bench-"));
try {
  if (!gridOnly) {
    // What a user runs: the compiled CLI (dist, built here first), in a fresh process each time, so the
    // times include Node's start, module loading and the worker threads' start-up. First, while this
    // process is still idle.
    execFileSync("npm", ["run", "--silent", "build"], { stdio: "inherit" });
    console.log("\n### Through the compiled CLI, `llm-erm datasets build` in a fresh process (wall)\n");
    console.log("| datasets | process wall s | user + sys CPU s |\n|---|---|---|");
    for (const [label, args] of [
      ["the whole paper grid (60)", []],
      ["fn_i L=100 alone", ["--functions", "fn_i", "--lengths", "100"]],
      ["fn_k L=100 alone", ["--functions", "fn_k", "--lengths", "100"]],
      ["fn_k L=50 alone", ["--functions", "fn_k", "--lengths", "50"]],
    ] as const) {
      const out = mkdtempSync(join(tmpdir(), "llm-erm-bench-cli-"));
      try {
        const c0 = childCpuSeconds();
        const w0 = performance.now();
        execFileSync(process.execPath, [cli, "datasets", "build", "--dataset-dir", out, ...args], {
          stdio: "ignore",
        });
        const wall = (performance.now() - w0) / 1000;
        const cpu = childCpuSeconds() - c0;
        console.log(`| ${label} | ${wall.toFixed(2)} | ${Number.isNaN(cpu) ? "n/a" : cpu.toFixed(2)} |`);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    }
  }
  const specs = specsForGrid({ trainSize: 100, valSize: 100, testSize: 10000, seed: 42, datasetDir: dir });
  const start = performance.now();
  const cpu0 = cpuMs();
  const results = await buildDatasets(specs, dir, { concurrency: jobs });
  const wall = performance.now() - start;
  const gridCpu = cpuMs() - cpu0;
  const cpu = results.reduce((s, r) => s + r.ms, 0);
  const slow = [...results].sort((a, b) => b.ms - a.ms);

  const rng = createRandom(1);
  const draw = (count: number) =>
    Array.from({ length: count }, () => rng.bigint(10n ** 99n, 10n ** 100n - 2n));
  const starts = draw(200);
  const t0 = cpuMs();
  for (const s of starts) nextPrime(s);
  const perPrime = (cpuMs() - t0) / starts.length;
  // the engine as the pool uses it: chunks of 32 starts, after a warm-up (the JIT, the wasm kernels)
  const engine = await getNextPrimeEngine();
  const many = draw(2000);
  for (let i = 0; i < 512; i += 32) engine.nextPrimes(draw(32));
  const t1 = cpuMs();
  for (let i = 0; i < many.length; i += 32) engine.nextPrimes(many.slice(i, i + 32));
  const perPrimeFast = (cpuMs() - t1) / many.length;

  console.log(`## Paper grid: ${results.length} datasets of 100/100/10000, ${jobs} worker thread(s)\n`);
  console.log("| measure | value |\n|---|---|");
  console.log(`| wall time, whole grid | ${(wall / 1000).toFixed(2)} s |`);
  console.log(`| CPU time, whole grid (all threads) | ${(gridCpu / 1000).toFixed(2)} s |`);
  console.log(`| sum of per-dataset wall times | ${(cpu / 1000).toFixed(2)} s |`);
  console.log(`| datasets over 1 s (wall, in their thread) | ${results.filter((r) => r.ms > 1000).length} |`);
  console.log(
    `| one next-prime at 100 digits, BigInt BPSW (primality.ts), CPU | ${perPrime.toFixed(2)} ms |`,
  );
  console.log(
    `| one next-prime at 100 digits, the engine (wasm sieve, SIMD base-2 rounds, SIMD Lucas), CPU | ${perPrimeFast.toFixed(2)} ms |`,
  );
  console.log("\n### Slowest datasets\n");
  console.log("| fn | L | ms |\n|---|---|---|");
  for (const r of slow.slice(0, 12)) console.log(`| ${r.spec.fn} | ${r.spec.length} | ${r.ms.toFixed(0)} |`);
  const fast = slow.filter((r) => r.spec.fn !== "fn_i" && r.spec.fn !== "fn_k");
  console.log(
    `\nThe ${fast.length} non-prime datasets: ${(fast.reduce((s, r) => s + r.ms, 0) / 1000).toFixed(2)} s in sum, slowest ${fast[0]?.spec.fn} L=${fast[0]?.spec.length} at ${fast[0]?.ms.toFixed(0)} ms.`,
  );

  if (!gridOnly) {
    console.log("\n### Prime datasets built alone (this thread; wall and CPU of all threads)\n");
    console.log("| fn | L | next-prime threads | wall ms | CPU ms |\n|---|---|---|---|---|");
    for (const [fn, length] of [
      ["fn_i", 100],
      ["fn_k", 50],
    ] as const) {
      for (const threads of [1, availableParallelism()]) {
        configureNextPrimes({ threads });
        const w0 = performance.now();
        const c0 = cpuMs();
        await generateSplits({ fn, length, trainSize: 100, valSize: 100, testSize: 10000, seed: 42 });
        const line = [fn, length, threads, (performance.now() - w0).toFixed(0), (cpuMs() - c0).toFixed(0)];
        console.log(`| ${line.join(" | ")} |`);
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
