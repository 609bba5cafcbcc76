import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { runDryRun } from "../../src/cli/dry-run.js";
import { UsageError } from "../../src/core/errors.js";
import { buildDatasets } from "../../src/dataset/build-pool.js";
import { specsForGrid } from "../../src/dataset/spec.js";
import {
  allTasks,
  getTask,
  planGrid,
  registerTask,
  resolveGrid,
  skippedLine,
} from "../../src/tasks/registry.js";
import { randomBits, sampleByLabel } from "../../src/tasks/sampling.js";
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

  it("takes more tasks without touching the runner: its datasets, on worker threads too, and its prompts", async () => {
    const majority = (x: string): 0 | 1 => ([...x].filter((c) => c === "1").length * 2 > x.length ? 1 : 0);
    registerTask({
      id: "fn_test_majority",
      name: "test_majority",
      decimal: false,
      paperLengths: [9, 11],
      checkLength: (l) => (l % 2 === 1 ? null : "needs an odd L (no ties)"),
      label: majority,
      sample: async (rng, length, positives, negatives) =>
        sampleByLabel(
          "fn_test_majority",
          length,
          positives,
          negatives,
          () => randomBits(rng, length),
          majority,
        ),
    });
    expect(() => registerTask(getTask("fn_a"))).toThrow(/already/);
    expect(resolveGrid(["fn_test_majority"], undefined)).toEqual([
      { fn: "fn_test_majority", length: 9 },
      { fn: "fn_test_majority", length: 11 },
    ]);
    const dir = mkdtempSync(join(tmpdir(), "llm-erm-registry-"));
    try {
      const grid = {
        functions: ["fn_test_majority"],
        trainSize: 10,
        valSize: 10,
        testSize: 20,
        seed: 1,
        datasetDir: dir,
      };
      // Two datasets: built on worker threads, which import the registry afresh.
      const built = await buildDatasets(specsForGrid(grid), dir, { concurrency: 2 });
      expect(built.map((r) => r.path)).toEqual([
        expect.stringMatching(/test_majority\/L9\/seed\d+$/),
        expect.stringMatching(/test_majority\/L11\/seed\d+$/),
      ]);
      for (const r of built) {
        const all = [...r.dataset.train, ...r.dataset.val, ...r.dataset.test];
        expect(all.every((e) => e.x.length === r.spec.length && e.y === majority(e.x))).toBe(true);
        expect(all.filter((e) => e.y === 1)).toHaveLength(20);
      }
      // The run's --dry-run prints the paper prompt from those datasets.
      const out = new PassThrough();
      let text = "";
      out.on("data", (c) => {
        text += String(c);
      });
      await runDryRun(grid, out);
      expect(text).toMatch(/^=== fn_test_majority \(test_majority\) L=9: dataset .* \(reused\) ===$/m);
      expect(text).toContain(built[1]!.dataset.train.map((e) => `${e.x} -> ${e.y}`).join("\n"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
