/**
 * The enumerator on a user's data: any alphabet (constants drawn from the data), inputs of different
 * lengths (indices from the end, length-relative slices), and labels that are classes (ints or
 * strings), each on a planted rule it must find and generalise.
 */
import { describe, expect, it } from "vitest";
import type { Label } from "../../src/enumerate/ast.js";
import { predict } from "../../src/enumerate/evaluate.js";
import { prettyProgram, toPython } from "../../src/enumerate/expr.js";
import { type EnumerationBudget, type LabelledInput, search } from "../../src/enumerate/search.js";
import { randomString, rng, runPython } from "./helpers.js";

const budget: EnumerationBudget = { maxPrograms: 300_000, maxSeconds: 60, maxSize: 8, proposals: 3 };

/** n inputs over the alphabet, lengths in [minLen, maxLen], labelled by the rule; each label gets an equal share when it can. */
function dataset(
  seed: number,
  n: number,
  alphabet: string,
  [minLen, maxLen]: readonly [number, number],
  rule: (x: string) => Label,
): LabelledInput[] {
  const next = rng(seed);
  const byLabel = new Map<Label, LabelledInput[]>();
  const out: LabelledInput[] = [];
  for (let tries = 0; out.length < n && tries < 100_000; tries++) {
    const x = randomString(next, minLen + next(maxLen - minLen + 1), alphabet);
    const y = rule(x);
    const list = byLabel.get(y) ?? [];
    byLabel.set(y, list);
    // Keep the classes roughly balanced: a label already over its share waits.
    if (list.length > out.length / Math.max(1, byLabel.size) + 2) continue;
    list.push({ x, y });
    out.push({ x, y });
  }
  return out;
}

/** The rank-1 program fits the training set and agrees with the rule on fresh inputs (also in python3). */
function expectLearned(
  train: readonly LabelledInput[],
  alphabet: string,
  lengths: readonly [number, number],
  rule: (x: string) => Label,
): string {
  const r = search(train, budget);
  const best = r.found[0]!;
  expect(best.trainErrors, prettyProgram(best.program)).toBe(0);
  const next = rng(4242);
  const fresh = Array.from({ length: 300 }, () =>
    randomString(next, lengths[0] + next(lengths[1] - lengths[0] + 1), alphabet),
  );
  for (const x of fresh)
    expect(predict(best.program, x), `${prettyProgram(best.program)} on ${x}`).toBe(rule(x));
  // Binary labels: the verifier reads True / a nonzero int as 1; classes are compared exactly.
  const binary = train.every((e) => e.y === 0 || e.y === 1);
  const [py] = runPython([toPython(best.program)], fresh);
  const read = (v: Label | boolean): Label | boolean =>
    binary ? (v === true || v === 1 ? 1 : v === false ? 0 : v) : v;
  expect(py!.map(read)).toEqual(fresh.map(rule));
  return toPython(best.program);
}

describe("any alphabet", () => {
  it("finds 'ab' in x over strings of a, b and c", () => {
    const rule = (x: string): Label => (x.includes("ab") ? 1 : 0);
    const train = dataset(1, 100, "abc", [10, 10], rule);
    expect(expectLearned(train, "abc", [10, 10], rule)).toBe("def f(x):\n    return 'ab' in x\n");
  });

  it("takes its constants from the data: quotes, spaces and accents", () => {
    const alphabet = `é'" a`;
    const rule = (x: string): Label => (x.split("é").length - 1) % 2;
    const train = dataset(2, 100, alphabet, [8, 8], rule);
    expect(expectLearned(train, alphabet, [8, 8], rule)).toBe(`def f(x):\n    return x.count("é") % 2\n`);
  });
});

describe("inputs of different lengths", () => {
  it("the last character (an index from the end)", () => {
    const rule = (x: string): Label => (x.endsWith("z") ? 1 : 0);
    const train = dataset(3, 100, "xyz", [4, 16], rule);
    expect(expectLearned(train, "xyz", [3, 25], rule)).toBe("def f(x):\n    return x[-1] == 'z'\n");
  });

  it("a length-relative slice: the parity of a's in the first half", () => {
    const rule = (x: string): Label => (x.slice(0, Math.floor(x.length / 2)).split("a").length - 1) % 2;
    const train = dataset(4, 150, "ab", [6, 20], rule);
    expect(expectLearned(train, "ab", [2, 30], rule)).toBe(
      "def f(x):\n    return x[:len(x) // 2].count('a') % 2\n",
    );
  });

  it("does not use them when every input has one length (the paper's grammar)", () => {
    const train = dataset(5, 60, "ab", [12, 12], (x) => (x.endsWith("b") ? 1 : 0));
    const r = search(train, budget);
    expect(r.found[0]!.trainErrors).toBe(0);
    for (const f of r.found) expect(toPython(f.program)).not.toMatch(/x\[-|len\(x\) \/\/ 2/);
  });
});

describe("labels that are classes", () => {
  it("int classes: the value itself (x.count('a') % 3)", () => {
    const rule = (x: string): Label => (x.split("a").length - 1) % 3;
    const train = dataset(6, 120, "ab", [12, 12], rule);
    expect(expectLearned(train, "ab", [12, 12], rule)).toBe("def f(x):\n    return x.count('a') % 3\n");
  });

  it("string classes looked up from a feature (len(x) % 3), on inputs of different lengths", () => {
    const names = ["zero", "one", "two"];
    const rule = (x: string): Label => names[x.length % 3]!;
    const train = dataset(7, 120, "pq", [3, 14], rule);
    const code = expectLearned(train, "pq", [1, 30], rule);
    expect(code).toMatch(
      /^def f\(x\):\n {4}return \{0: 'zero', 1: 'one', 2: 'two'\}\.get\(len\(x\) % 3, '\w+'\)\n$/,
    );
  });

  it("two string classes from a boolean feature", () => {
    const rule = (x: string): Label => (x[2] === "k" ? "keep" : "drop");
    const train = dataset(8, 80, "jk", [6, 6], rule);
    // The one-position indicator int(x[2] == 'j') comes before x[2] == 'k' at size 2 (the paper's order).
    expect(expectLearned(train, "jk", [6, 6], rule)).toBe(
      "def f(x):\n    return {0: 'keep', 1: 'drop'}.get(int(x[2] == 'j'), 'drop')\n",
    );
  });

  it("three string classes from two tests: a decision list", () => {
    const rule = (x: string): Label => (x.includes("ab") ? "pair" : x.endsWith("c") ? "ends-c" : "other");
    const train = dataset(10, 120, "abc", [4, 10], rule);
    expect(expectLearned(train, "abc", [3, 14], rule)).toBe(
      // Each rule is right on the most examples left: 'other' (more of them) before 'ends-c'.
      "def f(x):\n    return 'pair' if 'ab' in x else 'other' if not (x[-1] == 'c') else 'ends-c'\n",
    );
  });

  it("reports training errors as class mismatches, fewest first", () => {
    // Three classes, one of them noise: Int features (counts, sums) and Bool ones (substring tests) compete.
    const rule = (x: string): Label => (x.includes("11") ? "hi" : "lo");
    const train = dataset(9, 90, "01", [10, 10], rule).map((e, i) => (i % 10 === 0 ? { ...e, y: "mid" } : e));
    const r = search(train, { ...budget, proposals: 8 });
    expect(r.found.some((f) => f.program.type === "classify" && f.program.feature.type === "bool")).toBe(
      true,
    );
    for (const f of r.found) {
      const errors = train.filter((e) => predict(f.program, e.x) !== e.y).length;
      expect(f.trainErrors).toBe(errors);
    }
    for (let i = 1; i < r.found.length; i++)
      expect(r.found[i]!.trainErrors).toBeGreaterThanOrEqual(r.found[i - 1]!.trainErrors);
  });
});
