// Learn a rule from labelled strings with the built-in enumerator (no model, no key, offline).
// Run from a checkout after `npm run build` (the package imports itself by name), or from a project
// that installed llm-erm: `node examples/learn-from-script.mjs`.
import { learn } from "llm-erm";

// Some strings over a, b, c of lengths 4 to 11; the hidden rule: "contains ca".
let seed = 7;
const next = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed >> 16;
};
const strings = (n) =>
  Array.from({ length: n }, () => Array.from({ length: 4 + (next() % 8) }, () => "abc"[next() % 3]).join(""));
const label = (x) => ({ x, y: x.includes("ca") ? 1 : 0 });

const result = await learn({
  train: strings(80).map(label),
  val: strings(80).map(label),
  test: strings(300).map(label),
  attempts: 3,
  onProgress: (event) => {
    if (event.type === "sandbox") console.error(`sandbox: ${event.mode}`);
    if (event.type === "attempt")
      console.error(
        `attempt ${event.attempt.attempt}: ${event.attempt.outcome}, val ${event.attempt.val_acc}`,
      );
  },
});

console.log(result.code);
console.log({
  status: result.status,
  proposer: result.proposer,
  train_acc: result.train_acc,
  val_acc: result.val_acc,
  test_acc: result.test_acc,
  attempts: result.attempts.length,
});
