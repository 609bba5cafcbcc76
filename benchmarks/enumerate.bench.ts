/**
 * The enumerator on the paper grid: for every task and length, 100 training examples (50/50, drawn by
 * the task's own sampler), one search at the default budget on this thread (one core). Prints the
 * search's speed (programs visited and distinct behaviours kept per second), how far it got, and
 * whether the best program fits the training set; the rank-1 program is also scored on 1,000 fresh
 * examples with the enumerator's own evaluator (the real runner uses the sandbox and 10,000 test
 * examples). Run: npx tsx benchmarks/enumerate.bench.ts [--max-programs N] [--functions fn_a,fn_c]
 */
import { createRandom } from "../src/core/random.js";
import { DEFAULT_ENUMERATION_BUDGET } from "../src/enumerate/enumerative-proposer.js";
import { predictLabel } from "../src/enumerate/evaluate.js";
import { prettyProgram } from "../src/enumerate/expr.js";
import { search } from "../src/enumerate/search.js";
import { allTasks } from "../src/tasks/registry.js";

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const budget = {
  ...DEFAULT_ENUMERATION_BUDGET,
  ...(arg("--max-programs") ? { maxPrograms: Number(arg("--max-programs")) } : {}),
  ...(arg("--max-seconds") ? { maxSeconds: Number(arg("--max-seconds")) } : {}),
};
const only = arg("--functions")?.split(",");
const TEST = 500; // per class

interface Row {
  fn: string;
  name: string;
  length: number;
  visited: number;
  kept: number;
  ms: number;
  largest: number;
  stoppedBy: string;
  trainErr: number | null;
  size: number | null;
  expr: string;
  testAcc: number | null;
}

const rows: Row[] = [];
for (const task of allTasks()) {
  if (only && !only.includes(task.id)) continue;
  for (const length of task.paperLengths) {
    const rng = createRandom(1000 + length);
    const pool = await task.sample(rng, length, 50 + TEST, 50 + TEST);
    const train = [
      ...pool.positives.slice(0, 50).map((x) => ({ x, y: 1 as const })),
      ...pool.negatives.slice(0, 50).map((x) => ({ x, y: 0 as const })),
    ];
    rng.shuffle(train);
    const test = [
      ...pool.positives.slice(50).map((x) => ({ x, y: 1 as const })),
      ...pool.negatives.slice(50).map((x) => ({ x, y: 0 as const })),
    ];
    const r = search(train, budget);
    const best = r.found[0];
    let testAcc: number | null = null;
    if (best) {
      let ok = 0;
      for (const e of test) {
        try {
          if (predictLabel(best.program, e.x) === e.y) ok++;
        } catch {
          // raises: wrong, as in the verifier
        }
      }
      testAcc = ok / test.length;
    }
    const row: Row = {
      fn: task.id,
      name: task.name,
      length,
      visited: r.stats.programs_visited,
      kept: r.stats.behaviours_kept,
      ms: r.stats.elapsed_ms,
      largest: r.stats.largest_size_finished,
      stoppedBy: r.stats.stopped_by,
      trainErr: best?.trainErrors ?? null,
      size: best?.size ?? null,
      expr: best ? prettyProgram(best.program) : "",
      testAcc,
    };
    rows.push(row);
    process.stderr.write(
      `${task.id} L=${length}: ${row.ms} ms, train err ${row.trainErr}, test ${row.testAcc}\n`,
    );
  }
}

const k = (v: number): string =>
  v >= 1e6 ? `${(v / 1e6).toFixed(2)}M` : v >= 1e3 ? `${(v / 1e3).toFixed(0)}k` : `${v}`;
console.log(
  `\nBudget: ${budget.maxPrograms} programs, ${budget.maxSeconds} s, size <= ${budget.maxSize}; 100 training examples; one core.\n`,
);
console.log(
  "| task | L | programs | behaviours kept | search s | programs/s | behaviours/s | largest size done | stopped by | rank-1 train err | size | rank-1 test acc (1000) | rank-1 program |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
for (const r of rows) {
  const s = r.ms / 1000;
  console.log(
    `| ${r.fn} ${r.name} | ${r.length} | ${k(r.visited)} | ${k(r.kept)} | ${s.toFixed(2)} | ${k(Math.round(r.visited / s))} | ${k(Math.round(r.kept / s))} | ${r.largest} | ${r.stoppedBy} | ${r.trainErr ?? "-"} | ${r.size ?? "-"} | ${r.testAcc === null ? "-" : r.testAcc.toFixed(3)} | \`${r.expr.replaceAll("|", "\\|")}\` |`,
  );
}
const totalMs = rows.reduce((a, r) => a + r.ms, 0);
const visited = rows.reduce((a, r) => a + r.visited, 0);
const kept = rows.reduce((a, r) => a + r.kept, 0);
console.log(
  `\nGrid: ${rows.length} points, total search ${(totalMs / 1000).toFixed(1)} s on one core (${(totalMs / 1000 / 2).toFixed(1)} s on 2 cores); ${k(Math.round(visited / (totalMs / 1000)))} programs/s, ${k(Math.round(kept / (totalMs / 1000)))} behaviours kept/s overall.\n`,
);

// Which task each length solves on the training data (train error 0), with the rank-1 test accuracy.
const lengths = [...new Set(rows.map((r) => r.length))].sort((a, b) => b - a);
console.log(`| task | ${lengths.map((l) => `L=${l}`).join(" | ")} |`);
console.log(`|---|${lengths.map(() => "---").join("|")}|`);
for (const fn of [...new Set(rows.map((r) => r.fn))]) {
  const cells = lengths.map((l) => {
    const r = rows.find((x) => x.fn === fn && x.length === l);
    if (!r) return "";
    const fit = r.trainErr === 0 ? "fit" : `${r.trainErr} err`;
    return `${fit}, test ${r.testAcc?.toFixed(2) ?? "-"}`;
  });
  console.log(`| ${fn} | ${cells.join(" | ")} |`);
}
