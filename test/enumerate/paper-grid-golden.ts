/**
 * The enumerator's golden on the paper grid: for every task and paper length, 100 training examples
 * (50/50, the task's own sampler, seed 1000 + L), one search under a program-count budget (so the
 * result is the same on every machine), and what it proposes: expression, emitted Python, size,
 * training errors, plus the search's counts and a hash of the order in which it kept behaviours.
 * Regenerate (only when a change of behaviour is intended): npx tsx test/enumerate/paper-grid-golden.ts --write
 */
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createRandom } from "../../src/core/random.js";
import { prettyProgram, toPython } from "../../src/enumerate/expr.js";
import { search } from "../../src/enumerate/search.js";
import { defaultGridTasks } from "../../src/tasks/registry.js";

export const GOLDEN_PATH = fileURLToPath(new URL("./golden/paper-grid.json", import.meta.url));
const BUDGET = { maxPrograms: 200_000, maxSeconds: 1e6, maxSize: 10, proposals: 5 };
/** The kept-order trace is hashed over a shorter search (rendering every kept program is slow). */
const TRACE_BUDGET = { ...BUDGET, maxPrograms: 30_000 };

export interface GoldenPoint {
  fn: string;
  length: number;
  stats: Record<string, unknown>;
  kept_trace_sha256: string;
  found: { expression: string; python: string; size: number; train_errors: number }[];
}

/** The golden's points of the given tasks (all by default), in registry order. */
export async function paperGridGolden(taskIds?: readonly string[]): Promise<GoldenPoint[]> {
  const out: GoldenPoint[] = [];
  for (const task of defaultGridTasks()) {
    if (taskIds !== undefined && !taskIds.includes(task.id)) continue;
    for (const length of task.paperLengths) {
      const rng = createRandom(1000 + length);
      const pool = await task.sample(rng, length, 50, 50);
      const train = [
        ...pool.positives.map((x) => ({ x, y: 1 as const })),
        ...pool.negatives.map((x) => ({ x, y: 0 as const })),
      ];
      rng.shuffle(train);
      const r = search(train, BUDGET);
      const hash = createHash("sha256");
      search(train, TRACE_BUDGET, {
        onKept: (e) => {
          const expr =
            e.type === "str"
              ? JSON.stringify(e.expr())
              : prettyProgram(
                  e.type === "int" ? { type: "int", e: e.expr() } : { type: "bool", e: e.expr() },
                );
          hash.update(`${e.type} ${e.size} ${expr}\n`);
        },
      });
      const { elapsed_ms: _elapsed, ...stats } = r.stats;
      out.push({
        fn: task.id,
        length,
        stats,
        kept_trace_sha256: hash.digest("hex"),
        found: r.found.map((f) => ({
          expression: prettyProgram(f.program),
          python: toPython(f.program),
          size: f.size,
          train_errors: f.trainErrors,
        })),
      });
    }
  }
  return out;
}

export const PAPER_TASK_IDS = defaultGridTasks().map((t) => t.id);

export const renderGolden = (points: GoldenPoint[]): string => `${JSON.stringify(points, null, 1)}\n`;

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes("--write")) {
  writeFileSync(GOLDEN_PATH, renderGolden(await paperGridGolden()));
  console.log(`wrote ${GOLDEN_PATH}`);
}
