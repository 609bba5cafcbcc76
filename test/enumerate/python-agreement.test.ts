import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EvaluationError, evaluateProgram } from "../../src/enumerate/evaluate.js";
import type { Label, Program } from "../../src/enumerate/expr.js";
import { toPython } from "../../src/enumerate/expr.js";
import { search } from "../../src/enumerate/search.js";
import { randomString, rng, runPython } from "./helpers.js";

describe("emitted Python", () => {
  it("agrees with the enumerator's own evaluation on random inputs (python3)", () => {
    fc.assert(
      fc.property(
        fc.record({
          decimal: fc.boolean(),
          length: fc.integer({ min: 3, max: 12 }),
          n: fc.integer({ min: 6, max: 40 }),
          seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        }),
        ({ decimal, length, n, seed }) => {
          const alphabet = decimal ? "0123456789" : "01";
          const next = rng(seed);
          const train = Array.from({ length: n }, () => ({
            x: randomString(next, length, alphabet),
            y: next(2) as 0 | 1,
          }));
          // Every 37th kept program of a short search, plus the proposals: all productions show up.
          const programs: Program[] = [];
          let k = 0;
          const { found } = search(
            train,
            { maxPrograms: 25_000, maxSeconds: 60, maxSize: 7, proposals: 5 },
            {
              onKept: (e) => {
                if (e.type === "str" || k++ % 37 !== 0) return;
                programs.push(
                  e.type === "int" ? { type: "int", e: e.expr() } : { type: "bool", e: e.expr() },
                );
              },
            },
          );
          programs.push(...found.map((f) => f.program));
          // Fresh inputs, some longer than the training strings (indices stay in range).
          const inputs = Array.from({ length: 30 }, () => randomString(next, length + next(3), alphabet));
          const py = runPython(
            programs.map((p) => toPython(p)),
            inputs,
          );
          let compared = 0;
          programs.forEach((p, i) => {
            inputs.forEach((x, j) => {
              let ours: boolean | number | string;
              try {
                ours = evaluateProgram(p, x);
              } catch (e) {
                if (e instanceof EvaluationError) return; // outside int32: Python has big ints
                throw e;
              }
              expect(py[i]![j], `${toPython(p)} on ${x}`).toBe(ours);
              compared++;
            });
          });
          // Most pairs are compared; only int32 overflows are left to Python.
          expect(compared).toBeGreaterThan((programs.length * inputs.length) / 2);
        },
      ),
      { numRuns: 8 },
    );
  }, 180_000);

  it("agrees on any data: other alphabets, inputs of different lengths, class labels (python3)", () => {
    const alphabets = ["abc", `é'" \\`, "xyz€", "0123456789"];
    fc.assert(
      fc.property(
        fc.record({
          alphabet: fc.constantFrom(...alphabets),
          minLen: fc.integer({ min: 2, max: 6 }),
          spread: fc.integer({ min: 0, max: 8 }),
          labels: fc.constantFrom("binary", "ints", "strings"),
          n: fc.integer({ min: 6, max: 40 }),
          seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        }),
        ({ alphabet, minLen, spread, labels, n, seed }) => {
          const next = rng(seed);
          const classes: readonly Label[] =
            labels === "binary" ? [0, 1] : labels === "ints" ? [0, 1, 2, 5] : ["red", "it's", "blå"];
          const train = Array.from({ length: n }, () => ({
            x: randomString(next, minLen + next(spread + 1), alphabet),
            y: classes[next(classes.length)]!,
          }));
          const programs: Program[] = [];
          let k = 0;
          const { found } = search(
            train,
            { maxPrograms: 25_000, maxSeconds: 60, maxSize: 7, proposals: 8 },
            {
              onKept: (e) => {
                if (e.type === "str" || k++ % 37 !== 0) return;
                programs.push(
                  e.type === "int" ? { type: "int", e: e.expr() } : { type: "bool", e: e.expr() },
                );
              },
            },
          );
          programs.push(...found.map((f) => f.program));
          // Fresh inputs, shorter and longer than the training strings (some indices fall outside).
          const inputs = Array.from({ length: 30 }, () =>
            randomString(next, Math.max(0, minLen - 2) + next(spread + 5), alphabet),
          );
          const py = runPython(
            programs.map((p) => toPython(p)),
            inputs,
          );
          let compared = 0;
          programs.forEach((p, i) => {
            inputs.forEach((x, j) => {
              let ours: boolean | Label;
              try {
                ours = evaluateProgram(p, x);
              } catch (e) {
                if (!(e instanceof EvaluationError)) throw e;
                // Where we refuse, Python raises too, unless it is an int32 overflow (Python has big ints).
                if (!/beyond/.test(e.message)) {
                  expect(py[i]![j], `${toPython(p)} on ${x}`).toMatch(/^E:(IndexError|ValueError)$/);
                }
                return;
              }
              expect(py[i]![j], `${toPython(p)} on ${JSON.stringify(x)}`).toBe(ours);
              compared++;
            });
          });
          expect(compared).toBeGreaterThan((programs.length * inputs.length) / 3);
        },
      ),
      { numRuns: 12 },
    );
  }, 180_000);

  it("is a plain module defining f(x) with no imports", () => {
    const { found } = search(
      [
        { x: "0110", y: 1 },
        { x: "0000", y: 0 },
        { x: "1010", y: 0 },
        { x: "1111", y: 1 },
      ],
      { maxPrograms: 10_000, maxSeconds: 60, maxSize: 6, proposals: 3 },
    );
    for (const f of found) {
      const code = toPython(f.program);
      expect(code).toMatch(/^def f\(x\):\n {4}return .+\n$/);
      expect(code).not.toMatch(/import/);
    }
  });
});
