import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import {
  allTasks,
  getTask,
  planGrid,
  registerTask,
  resolveGrid,
  skippedLine,
} from "../../src/tasks/registry.js";
import type { Task } from "../../src/tasks/task.js";

describe("task registry", () => {
  it("has the paper's twelve tasks with their target names and alphabets", () => {
    const names = Object.fromEntries(
      allTasks()
        .slice(0, 12)
        .map((t) => [t.id, [t.name, t.decimal]]),
    );
    expect(names).toEqual({
      fn_a: ["parity_all", false],
      fn_b: ["parity_first_half", false],
      fn_c: ["patternmatch1", false],
      fn_d: ["patternmatch2", false],
      fn_e: ["parity_rand_3", false],
      fn_f: ["parity_rand_10", false],
      fn_g: ["palindrome", false],
      fn_h: ["dyck2", false],
      fn_i: ["prime_decimal", true],
      fn_j: ["automata_parity", false],
      fn_k: ["prime_decimal_tf_check", true],
      fn_l: ["sha256_parity", false],
    });
  });

  it("names the unknown id and the known ones", () => {
    expect(() => getTask("fn_z")).toThrow(UsageError);
    expect(() => getTask("fn_z")).toThrow(/fn_z.*fn_a, fn_b.*fn_l/);
  });

  it("defaults to the paper grid: 60 points, fn_h at 100 80 60 40 20", () => {
    const grid = resolveGrid(undefined, undefined);
    expect(grid).toHaveLength(60);
    expect(grid.filter((p) => p.fn === "fn_h").map((p) => p.length)).toEqual([100, 80, 60, 40, 20]);
    expect(grid.filter((p) => p.fn === "fn_a").map((p) => p.length)).toEqual([100, 50, 30, 25, 20]);
  });

  it("uses named lengths for every task, fn_h included", () => {
    expect(resolveGrid(["fn_h", "fn_a"], [40, 8])).toEqual([
      { fn: "fn_h", length: 40 },
      { fn: "fn_h", length: 8 },
      { fn: "fn_a", length: 40 },
      { fn: "fn_a", length: 8 },
    ]);
  });

  it("lengths without --functions: the tasks that cannot take one are skipped, and said so in one line", () => {
    const plan = planGrid(undefined, [30, 40]);
    expect(plan.points.filter((p) => p.fn === "fn_h")).toEqual([{ fn: "fn_h", length: 40 }]);
    expect(plan.points.filter((p) => p.fn === "fn_a")).toEqual([
      { fn: "fn_a", length: 30 },
      { fn: "fn_a", length: 40 },
    ]);
    expect(plan.points).toHaveLength(12 * 2 - 1);
    expect(plan.skipped).toEqual([
      { fn: "fn_h", name: "dyck2", length: 30, problem: expect.stringMatching(/multiple of 4/) },
    ]);
    expect(skippedLine(plan.skipped)).toBe(
      "--lengths: skipped fn_h (dyck2) at L=30 (dyck2 needs a positive multiple of 4 (L/2 two-bit symbols forming balanced pairs)); name the tasks with --functions to make this an error",
    );
    expect(planGrid(undefined, [4]).skipped.map((s) => `${s.fn}@${s.length}`)).toEqual(["fn_c@4", "fn_d@4"]);
    expect(skippedLine(planGrid(undefined, [4, 6]).skipped)).toMatch(
      /^--lengths: skipped fn_c \(patternmatch1\) at L=4, 6 \(.*\), fn_d \(patternmatch2\) at L=4, 6 \(.*\); name/,
    );
    expect(skippedLine([])).toBeUndefined();
    // the paper grid and named tasks skip nothing
    expect(planGrid(undefined, undefined).skipped).toEqual([]);
    expect(resolveGrid(undefined, [30])).toEqual(planGrid(undefined, [30]).points);
  });

  it("no task left to run is a usage error naming the lengths", () => {
    const only8: Task = {
      ...getTask("fn_a"),
      id: "fn_only8",
      checkLength: (l) => (l === 8 ? null : "L must be 8"),
    };
    expect(planGrid(undefined, [8], [only8]).points).toEqual([{ fn: "fn_only8", length: 8 }]);
    expect(() => planGrid(undefined, [9, 10], [only8])).toThrow(UsageError);
    expect(() => planGrid(undefined, [9, 10], [only8])).toThrow(
      /--lengths 9 10: no task can take these lengths \(fn_only8: L must be 8\)/,
    );
  });

  it("rejects a length a task cannot have, naming the task, the length and the flag", () => {
    expect(() => resolveGrid(["fn_h"], [30])).toThrow(UsageError);
    expect(() => resolveGrid(["fn_h"], [30])).toThrow(/--lengths.*fn_h.*L=30.*multiple of 4/);
    expect(() => resolveGrid(["fn_c"], [7])).toThrow(/fn_c.*L=7/);
    expect(() => resolveGrid(["fn_e"], [300])).toThrow(/fn_e.*L=300/);
    expect(() => resolveGrid(["fn_i"], [1])).toThrow(/fn_i.*L=1/);
    expect(() => resolveGrid(["nope"], undefined)).toThrow(/nope/);
  });

  it("takes more tasks without touching the runner", () => {
    registerTask({
      id: "fn_test_majority",
      name: "test_majority",
      decimal: false,
      paperLengths: [10],
      checkLength: () => null,
      label: (x) => ([...x].filter((c) => c === "1").length * 2 > x.length ? 1 : 0),
      sample: async () => ({ positives: [], negatives: [] }),
    });
    expect(getTask("fn_test_majority").name).toBe("test_majority");
    expect(resolveGrid(["fn_test_majority"], undefined)).toEqual([{ fn: "fn_test_majority", length: 10 }]);
    expect(() => registerTask(getTask("fn_a"))).toThrow(/already/);
  });
});
