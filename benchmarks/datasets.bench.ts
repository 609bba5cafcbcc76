/**
 * Generates the whole paper grid (60 datasets of 100/100/10000, seed 42) into a fresh temporary directory
 * with the worker pool, and prints a Markdown table: total wall time, the slowest datasets, and the cost
 * of one 100-digit next-prime. Run: npx tsx benchmarks/datasets.bench.ts [--jobs N]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { createRandom } from "../src/core/random.js";
import { buildDatasets } from "../src/dataset/build-pool.js";
import { specsForGrid } from "../src/dataset/spec.js";
import { nextPrime } from "../src/tasks/primality.js";

const jobsFlag = process.argv.indexOf("--jobs");
const jobs = jobsFlag > 0 ? Number(process.argv[jobsFlag + 1]) : availableParallelism();

const dir = mkdtempSync(join(tmpdir(), "llm-erm-bench-"));
try {
  const specs = specsForGrid({ trainSize: 100, valSize: 100, testSize: 10000, seed: 42, datasetDir: dir });
  const start = performance.now();
  const results = await buildDatasets(specs, dir, { concurrency: jobs });
  const wall = performance.now() - start;
  const cpu = results.reduce((s, r) => s + r.ms, 0);
  const slow = [...results].sort((a, b) => b.ms - a.ms);

  const rng = createRandom(1);
  const n = 200;
  const starts = Array.from({ length: n }, () => rng.bigint(10n ** 99n, 10n ** 100n - 2n));
  const t0 = performance.now();
  for (const s of starts) nextPrime(s);
  const perPrime = (performance.now() - t0) / n;

  console.log(`## Paper grid: ${results.length} datasets of 100/100/10000, ${jobs} worker thread(s)\n`);
  console.log("| measure | value |\n|---|---|");
  console.log(`| wall time, whole grid | ${(wall / 1000).toFixed(2)} s |`);
  console.log(`| sum of per-dataset times | ${(cpu / 1000).toFixed(2)} s |`);
  console.log(`| datasets over 1 s | ${results.filter((r) => r.ms > 1000).length} |`);
  console.log(`| one next-prime at 100 digits (mean of ${n}) | ${perPrime.toFixed(2)} ms |`);
  console.log("\n### Slowest datasets\n");
  console.log("| fn | L | ms |\n|---|---|---|");
  for (const r of slow.slice(0, 12)) console.log(`| ${r.spec.fn} | ${r.spec.length} | ${r.ms.toFixed(0)} |`);
  const fast = slow.filter((r) => r.spec.fn !== "fn_i" && r.spec.fn !== "fn_k");
  console.log(
    `\nThe ${fast.length} non-prime datasets: ${(fast.reduce((s, r) => s + r.ms, 0) / 1000).toFixed(2)} s in sum, slowest ${fast[0]?.spec.fn} L=${fast[0]?.spec.length} at ${fast[0]?.ms.toFixed(0)} ms.`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
