import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { allTasks } from "../../src/tasks/registry.js";
import { trainingLines } from "./programs.js";

const LABELS_PY = fileURLToPath(new URL("../tasks/independent_labels.py", import.meta.url));
const IDX_JSON = fileURLToPath(new URL("../../data/parity_rand_idx.json", import.meta.url));

/**
 * The test oracle's Python (test/tasks/independent_labels.py) as a candidate program: its label
 * functions with the parity coordinates inlined (the sandbox reads no files), the stdin loop dropped,
 * and `f(x)` calling the label of task `fn`.
 */
export function taskProgram(fn: string): string {
  const source = readFileSync(LABELS_PY, "utf8");
  const body = source
    .slice(0, source.indexOf("for line in sys.stdin"))
    .replace(/^IDX = .*$/m, `IDX = ${JSON.stringify(JSON.parse(readFileSync(IDX_JSON, "utf8")))}`);
  return `${body}\ndef f(x):\n    return LABEL[${JSON.stringify(fn)}](x)\n`;
}

/**
 * A model that "knows" every task: the first task (same alphabet) whose labels agree with every
 * training line of the paper prompt, or undefined if none does.
 */
export function taskOf(prompt: string): string | undefined {
  const decimal = prompt.includes("(decimal, length");
  const lines = trainingLines(prompt);
  if (lines.length === 0) return undefined;
  return allTasks().find((t) => t.decimal === decimal && lines.every((l) => t.label(l.x) === l.y))?.id;
}
