import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Example } from "../../src/core/example.js";
import { evalBool, evalInt, predictLabel, viewOf } from "../../src/enumerate/evaluate.js";
import { type EnumerationBudget, type KeptEntry, search } from "../../src/enumerate/search.js";
import { balancedSet, containsPattern, parityAll, patternSet, randomString, rng } from "./helpers.js";

const small: EnumerationBudget = { maxPrograms: 30_000, maxSeconds: 60, maxSize: 6, proposals: 10 };

/** Arbitrary small training sets: binary or decimal strings of one length, arbitrary labels. */
const trainSets = fc
  .record({
    decimal: fc.boolean(),
    length: fc.integer({ min: 3, max: 10 }),
    n: fc.integer({ min: 4, max: 40 }),
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  })
  .map(({ decimal, length, n, seed }): Example[] => {
    const next = rng(seed);
    return Array.from({ length: n }, () => ({
      x: randomString(next, length, decimal ? "0123456789" : "01"),
      y: next(2) as 0 | 1,
    }));
  });

function behaviour(entry: KeptEntry, inputs: readonly string[]): string {
  if (entry.type === "str") return JSON.stringify(inputs.map((x) => viewOf(entry.expr(), x)));
  if (entry.type === "int") return JSON.stringify(inputs.map((x) => evalInt(entry.expr(), x)));
  return JSON.stringify(inputs.map((x) => evalBool(entry.expr(), x)));
}

describe("search laws", () => {
  it("keeps behaviours shortest first: sizes never decrease in the order they are kept", () => {
    fc.assert(
      fc.property(trainSets, (train) => {
        const sizes: number[] = [];
        search(train, small, { onKept: (e) => sizes.push(e.size) });
        expect(sizes.length).toBeGreaterThan(0);
        for (let i = 1; i < sizes.length; i++) expect(sizes[i]!).toBeGreaterThanOrEqual(sizes[i - 1]!);
      }),
      { numRuns: 8 },
    );
  });

  it("keeps one program per behaviour, re-evaluated independently on the training inputs", () => {
    fc.assert(
      fc.property(trainSets, (train) => {
        const inputs = train.map((e) => e.x);
        const seen = new Set<string>();
        let kept = 0;
        search(
          train,
          { ...small, maxPrograms: 5_000 },
          {
            onKept: (e) => {
              kept++;
              const key = `${e.type}:${behaviour(e, inputs)}`;
              expect(seen.has(key)).toBe(false);
              seen.add(key);
            },
          },
        );
        expect(kept).toBeGreaterThan(0);
      }),
      { numRuns: 8 },
    );
  });

  it("proposes in ERM order with the training errors it reports", () => {
    fc.assert(
      fc.property(trainSets, (train) => {
        const { found } = search(train, small);
        expect(found.length).toBe(small.proposals);
        for (const f of found) {
          const errors = train.filter((e) => predictLabel(f.program, e.x) !== e.y).length;
          expect(f.trainErrors).toBe(errors);
        }
        for (let i = 1; i < found.length; i++) {
          const [a, b] = [found[i - 1]!, found[i]!];
          expect(a.trainErrors < b.trainErrors || (a.trainErrors === b.trainErrors && a.size <= b.size)).toBe(
            true,
          );
        }
      }),
      { numRuns: 8 },
    );
  });

  it("is deterministic: the same training set gives the same proposals and counts", () => {
    const train = balancedSet(7, 60, 16, parityAll);
    const a = search(train, small);
    const b = search(train, small);
    expect(b.found).toEqual(a.found);
    expect({ ...b.stats, elapsed_ms: 0 }).toEqual({ ...a.stats, elapsed_ms: 0 });
  });
});

describe("search budgets", () => {
  it("stops at maxPrograms and says so", () => {
    const train = balancedSet(3, 40, 12, parityAll).map((e, i) => ({
      ...e,
      y: ((i * 7) % 3 === 0 ? 1 : 0) as 0 | 1,
    }));
    const r = search(train, { ...small, maxPrograms: 1234, maxSize: 20 });
    expect(r.stats.stopped_by).toBe("max_programs");
    expect(r.stats.programs_visited).toBe(1234);
  });

  it("stops at maxSeconds by its clock", () => {
    let t = 0;
    const now = (): number => {
      t += 1; // every reading advances the clock 1 ms
      return t;
    };
    const train = balancedSet(3, 40, 12, parityAll).map((e, i) => ({
      ...e,
      y: ((i * 7) % 3 === 0 ? 1 : 0) as 0 | 1,
    }));
    const r = search(train, { maxPrograms: 1e9, maxSeconds: 0.05, maxSize: 30, proposals: 3 }, { now });
    expect(r.stats.stopped_by).toBe("max_seconds");
  });

  it("stops after maxSize levels and reports the largest size finished", () => {
    const train = balancedSet(5, 20, 8, parityAll).map((e, i) => ({
      ...e,
      y: ((i * 5) % 3 === 0 ? 1 : 0) as 0 | 1,
    }));
    const r = search(train, { maxPrograms: 1e9, maxSeconds: 60, maxSize: 3, proposals: 3 });
    expect(r.stats.stopped_by).toBe("max_size");
    expect(r.stats.largest_size_finished).toBe(3);
    expect(r.stats.kept_by_size.length).toBe(4);
  });

  it("stops once a finished size holds enough zero-error programs", () => {
    const r = search(balancedSet(4, 60, 12, parityAll), {
      ...small,
      maxPrograms: 1e9,
      maxSize: 20,
      proposals: 1,
    });
    expect(r.stats.stopped_by).toBe("solved");
    expect(r.found[0]!.trainErrors).toBe(0);
    expect(r.stats.largest_size_finished).toBe(r.found[0]!.size);
  });

  it("has nothing to search without training examples", () => {
    const r = search([], small);
    expect(r.stats.stopped_by).toBe("exhausted");
    expect(r.found).toEqual([]);
  });
});

describe("search finds what its grammar makes short", () => {
  const budget: EnumerationBudget = { maxPrograms: 300_000, maxSeconds: 60, maxSize: 8, proposals: 3 };

  it("parity of all bits at L=20 from 100 examples", () => {
    const r = search(balancedSet(11, 100, 20, parityAll), budget);
    const best = r.found[0]!;
    expect(best.trainErrors).toBe(0);
    // It generalises: right on fresh strings.
    const next = rng(99);
    for (let i = 0; i < 300; i++) {
      const x = randomString(next, 20);
      expect(predictLabel(best.program, x)).toBe(parityAll(x));
    }
  });

  it("the planted pattern 10101010 at L=30 from 100 examples", () => {
    const label = containsPattern("10101010");
    const r = search(patternSet(12, 100, 30, "10101010"), budget);
    expect(r.found[0]!.trainErrors).toBe(0);
    // The exact rule is among the zero-error proposals (a shorter pattern can fit the sample too).
    const next = rng(5);
    const probes = Array.from({ length: 400 }, () => randomString(next, 30));
    const exact = r.found.filter(
      (f) => f.trainErrors === 0 && probes.every((x) => predictLabel(f.program, x) === label(x)),
    );
    expect(exact.length).toBeGreaterThan(0);
  });
});
