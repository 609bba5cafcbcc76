import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createRandom, type RandomSource } from "../../src/core/random.js";
import { generateSplits } from "../../src/dataset/generate.js";
import { parseExampleLines } from "../../src/dataset/line-format.js";
import { allTasks, getTask } from "../../src/tasks/registry.js";
import { randomBits } from "../../src/tasks/sampling.js";

const here = fileURLToPath(new URL(".", import.meta.url));

/** Labels from the Python oracle (test/tasks/independent_labels.py), one per (fn, input). */
function pythonLabels(items: readonly [string, string][]): number[] {
  const out = execFileSync("python3", [join(here, "independent_labels.py")], {
    input: items.map(([fn, x]) => `${fn}\t${x}\n`).join(""),
    encoding: "utf8",
  });
  return out.trim().split("\n").map(Number);
}

/** Random edge lists (fn_aa): ids from a small range so that cycles, self-loops, repeats and u00v00 occur. */
function randomEdges(rng: RandomSource, edges: number): string {
  const ids = 2 + rng.int(edges + 4);
  const id = () => String(rng.int(ids)).padStart(2, "0");
  return Array.from({ length: edges }, () => `u${id()}v${id()}`).join("");
}

describe("task labels", () => {
  it("agree with an independent Python implementation on generated and uniform random inputs", async () => {
    const items: [string, string][] = [];
    const rng = createRandom(123);
    for (const task of allTasks()) {
      for (const length of task.paperLengths) {
        const splits = await generateSplits({
          fn: task.id,
          length,
          trainSize: 20,
          valSize: 20,
          testSize: 20,
          seed: 5,
        });
        for (const e of [...splits.train, ...splits.val, ...splits.test]) items.push([task.id, e.x]);
        for (let i = 0; i < 20; i++) {
          const x =
            task.alphabet !== undefined
              ? randomEdges(rng, length / 6)
              : task.decimal
                ? rng.bigint(10n ** BigInt(length - 1), 10n ** BigInt(length) - 1n).toString()
                : randomBits(rng, length);
          items.push([task.id, x]);
        }
      }
    }
    const expected = pythonLabels(items);
    const got = items.map(([fn, x]) => getTask(fn).label(x));
    const mismatches = items.filter((_, i) => got[i] !== expected[i]);
    expect(mismatches).toEqual([]);
    expect(items.length).toBeGreaterThan(3000);
  });

  it("agree with the labels in the Python runner's datasets (test/fixtures/ref_datasets)", () => {
    const root = join(here, "..", "fixtures", "ref_datasets");
    const byName = new Map(allTasks().map((t) => [t.name, t]));
    let checked = 0;
    for (const name of readdirSync(root)) {
      const task = byName.get(name);
      expect(task, name).toBeDefined();
      for (const l of readdirSync(join(root, name))) {
        for (const s of readdirSync(join(root, name, l))) {
          for (const file of ["train.txt", "val.txt", "test.txt"]) {
            const path = join(root, name, l, s, file);
            for (const e of parseExampleLines(readFileSync(path, "utf8"), path)) {
              expect(task?.label(e.x), `${path}: ${e.x}`).toBe(e.y);
              checked++;
            }
          }
        }
      }
    }
    expect(checked).toBe(1200);
  });

  it("fn_h: every valid string has parity (L/4) mod 2 (the paper's known property)", async () => {
    for (const length of [20, 40, 60]) {
      const { train } = await generateSplits({
        fn: "fn_h",
        length,
        trainSize: 200,
        valSize: 0,
        testSize: 0,
        seed: 1,
      });
      for (const e of train.filter((e) => e.y === 1)) {
        expect([...e.x].filter((c) => c === "1").length % 2).toBe((length / 4) % 2);
      }
    }
  });
});
