/**
 * The enumerator on a user's data (not the paper grid): a small seeded CSV-like dataset of sentences
 * of different lengths over letters, spaces and punctuation, labelled with three string classes
 * (`question` if it ends with "?", `exclaim` with "!", else `statement`). 100 training rows, the
 * rest test; one search at the default program budget (1,000,000 programs; the clock bound raised to
 * 120 s so that a busy machine gives the same answer) on this thread; the rank-1 program is scored on the
 * test rows with the enumerator's own evaluator. Prints the CSV's first lines, then a Markdown row.
 * Run: npx tsx benchmarks/enumerate-user-data.ts
 */
import { DEFAULT_ENUMERATION_BUDGET } from "../src/enumerate/enumerative-proposer.js";
import { predict } from "../src/enumerate/evaluate.js";
import { prettyProgram, toPython } from "../src/enumerate/expr.js";
import { type LabelledInput, search } from "../src/enumerate/search.js";

let state = 20261203;
const next = (k: number): number => {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) % k;
};
const WORDS = ["so", "we", "ship", "it", "now", "why", "not", "the", "build", "is", "green", "ok", "done"];
const END = ["?", "!", ".", ""];
const CLASS: Record<string, string> = { "?": "question", "!": "exclaim", ".": "statement", "": "statement" };
const rows: LabelledInput[] = Array.from({ length: 600 }, () => {
  const words = Array.from({ length: 1 + next(5) }, () => WORDS[next(WORDS.length)]!);
  const end = END[next(END.length)]!;
  return { x: words.join(" ") + end, y: CLASS[end]! };
});
const train = rows.slice(0, 100);
const test = rows.slice(100);

console.log("input,label");
for (const r of rows.slice(0, 5)) console.log(`${JSON.stringify(r.x)},${r.y}`);
const lengths = rows.map((r) => r.x.length);
console.log(`... ${rows.length} rows, lengths ${Math.min(...lengths)}..${Math.max(...lengths)}\n`);

const r = search(train, { ...DEFAULT_ENUMERATION_BUDGET, maxSeconds: 120 });
const best = r.found[0]!;
let ok = 0;
for (const e of test) {
  try {
    if (predict(best.program, e.x) === e.y) ok++;
  } catch {
    // raises: wrong, as in the verifier
  }
}
console.log(toPython(best.program));
console.log(
  `stats: ${r.stats.programs_visited} programs, ${r.stats.behaviours_kept} behaviours kept, largest size ${r.stats.largest_size_finished}, stopped by ${r.stats.stopped_by}, ${(r.stats.elapsed_ms / 1000).toFixed(2)} s\n`,
);
console.log(
  "| data | rows (train/test) | lengths | classes | rank-1 train err | size | test acc | rank-1 program |",
);
console.log("|---|---|---|---|---|---|---|---|");
console.log(
  `| sentences (this script) | ${train.length}/${test.length} | ${Math.min(...lengths)}..${Math.max(...lengths)} | question, exclaim, statement | ${best.trainErrors} | ${best.size} | ${(ok / test.length).toFixed(3)} | \`${prettyProgram(best.program).replaceAll("|", "\\|")}\` |`,
);
