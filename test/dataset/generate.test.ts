import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import { generateSplits } from "../../src/dataset/generate.js";
import { allTasks, getTask } from "../../src/tasks/registry.js";

const sizes = { trainSize: 40, valSize: 20, testSize: 61 };

describe("generateSplits", () => {
  for (const task of allTasks()) {
    it(`${task.id}: balanced, distinct, correctly labelled, split as the paper splits, deterministic`, async () => {
      for (const length of task.paperLengths) {
        const spec = { fn: task.id, length, ...sizes, seed: 3 };
        const s = await generateSplits(spec);
        expect(s.train).toHaveLength(40);
        expect(s.val).toHaveLength(20);
        expect(s.test).toHaveLength(61);
        expect(s.train.filter((e) => e.y === 1)).toHaveLength(20);
        expect(s.val.filter((e) => e.y === 1)).toHaveLength(10);
        // N = 121: 60 positives, 61 negatives; test lists negatives first, then positives
        expect(s.test.map((e) => e.y)).toEqual([...Array(31).fill(0), ...Array(30).fill(1)]);
        const all = [...s.train, ...s.val, ...s.test];
        for (const e of all) {
          expect(e.x).toHaveLength(length);
          expect(task.label(e.x)).toBe(e.y);
        }
        const duplicatesAllowed = length === 20 && (task.id === "fn_g" || task.id === "fn_h");
        if (!duplicatesAllowed) expect(new Set(all.map((e) => e.x)).size).toBe(all.length);
        expect(await generateSplits(spec)).toEqual(s);
        expect(await generateSplits({ ...spec, seed: 4 })).not.toEqual(s);
      }
    });
  }

  it("fn_g at L=20 builds each negative from a positive with one first-half bit flipped", async () => {
    const s = await generateSplits({
      fn: "fn_g",
      length: 20,
      trainSize: 100,
      valSize: 0,
      testSize: 0,
      seed: 1,
    });
    const positives = new Set(s.train.filter((e) => e.y === 1).map((e) => e.x));
    for (const e of s.train.filter((e) => e.y === 0)) {
      const fixes = [...Array(10).keys()].filter((i) => {
        const flipped = e.x.slice(0, i) + (e.x[i] === "1" ? "0" : "1") + e.x.slice(i + 1);
        return positives.has(flipped);
      });
      expect(fixes.length).toBeGreaterThan(0);
    }
  });

  it("fn_k negatives end in 1, 3, 7 or 9; fn_i negatives are composites of exactly L digits", async () => {
    const k = await generateSplits({
      fn: "fn_k",
      length: 20,
      trainSize: 0,
      valSize: 0,
      testSize: 400,
      seed: 2,
    });
    for (const e of k.test.filter((e) => e.y === 0)) expect("1379").toContain(e.x.at(-1));
    const i = await generateSplits({
      fn: "fn_i",
      length: 20,
      trainSize: 0,
      valSize: 0,
      testSize: 400,
      seed: 2,
    });
    expect(i.test.filter((e) => e.y === 0).some((e) => "024568".includes(e.x.at(-1) as string))).toBe(true);
  });

  it("rejects odd train/val sizes and impossible lengths", async () => {
    await expect(
      generateSplits({ fn: "fn_a", length: 20, trainSize: 99, valSize: 100, testSize: 10, seed: 1 }),
    ).rejects.toThrow(/--train-size must be even/);
    await expect(
      generateSplits({ fn: "fn_a", length: 20, trainSize: 100, valSize: 9, testSize: 10, seed: 1 }),
    ).rejects.toThrow(/--val-size must be even/);
    await expect(
      generateSplits({ fn: "fn_h", length: 22, trainSize: 10, valSize: 10, testSize: 10, seed: 1 }),
    ).rejects.toThrow(/fn_h.*L=22/);
  });

  it("rejects more examples than distinct strings exist, naming the task, length and size flags", async () => {
    const cases: [string, number][] = [
      ["fn_a", 6], // 32 strings per class
      ["fn_c", 9], // 3 strings contain 10101010
      ["fn_g", 10], // 32 palindromes
      ["fn_h", 8], // 8 valid sequences
      ["fn_i", 2], // 21 two-digit primes
      ["fn_l", 5],
    ];
    for (const [fn, length] of cases) {
      const err = await generateSplits({
        fn,
        length,
        trainSize: 100,
        valSize: 100,
        testSize: 0,
        seed: 1,
      }).catch((e) => e);
      expect(err, `${fn} L=${length}`).toBeInstanceOf(UsageError);
      expect(String(err.message)).toMatch(new RegExp(`${fn} at L=${length}.*--train-size`));
    }
    // exactly at capacity works: fn_a at L=6 has 32 strings of each class
    const s = await generateSplits({
      fn: "fn_a",
      length: 6,
      trainSize: 64,
      valSize: 0,
      testSize: 0,
      seed: 1,
    });
    expect(new Set(s.train.map((e) => e.x)).size).toBe(64);
    expect(getTask("fn_a").label("000001")).toBe(1);
  });
});
