import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import { allTasks, getTask, registerTask, resolveGrid } from "../../src/tasks/registry.js";

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
