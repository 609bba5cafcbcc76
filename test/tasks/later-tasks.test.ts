import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import { generateSplits } from "../../src/dataset/generate.js";
import { isProbablePrime } from "../../src/primes/index.js";
import { buildPaperPrompt } from "../../src/prompt/paper-prompt.js";
import { graphHasCycle } from "../../src/tasks/graph-cycle-task.js";
import { primePlus47 } from "../../src/tasks/prime-plus-47-task.js";
import { getTask, planGrid, resolveGrid } from "../../src/tasks/registry.js";
import { promptAlphabet } from "../../src/tasks/task.js";

/** Cycle rank by brute force: E - V + C with components from repeated relaxation (no union-find). */
function edgesOf(x: string): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i + 6 <= x.length; i += 6) {
    const a = Number(x.slice(i + 1, i + 3));
    const b = Number(x.slice(i + 4, i + 6));
    if (a !== 0 || b !== 0) out.push([a, b]);
  }
  return out;
}

describe("fn_v prime_plus_47 and fn_aa graph_has_cycle (the authors' later tasks)", () => {
  it("fn_v: 1 iff n - 47 is prime; n - 47 below 2 is 0", () => {
    expect(primePlus47("48")).toBe(0); // 1
    expect(primePlus47("49")).toBe(1); // 2
    expect(primePlus47("50")).toBe(1); // 3
    expect(primePlus47("10")).toBe(0); // -37
    expect(primePlus47("47")).toBe(0); // 0
    expect(primePlus47("56")).toBe(0); // 9
    expect(primePlus47(String(1_000_000_007n + 47n))).toBe(1);
  });

  it("fn_aa: E - V + C above max(1, E // 6); u00v00 skipped; no edge is 0", () => {
    const tri = (a: number, b: number, c: number) =>
      [`u${a}v${b}`, `u${b}v${c}`, `u${c}v${a}`]
        .map((s) => s.replace(/(\d+)/g, (d) => d.padStart(2, "0")))
        .join("");
    expect(graphHasCycle("u00v00".repeat(6))).toBe(0);
    expect(graphHasCycle(tri(1, 2, 3))).toBe(0); // rank 1, threshold 1
    expect(graphHasCycle(tri(1, 2, 3) + tri(4, 5, 6))).toBe(1); // rank 2 > 1
    expect(graphHasCycle(tri(1, 2, 3) + tri(4, 5, 6) + "u00v00".repeat(6))).toBe(1); // padding is no edge
    // 12 edges: threshold 2; two triangles and six tree edges give rank 2: not above
    expect(graphHasCycle(`${tri(1, 2, 3)}${tri(4, 5, 6)}u07v08u08v09u09v10u10v11u11v12u12v13`)).toBe(0);
    // a repeated edge (either direction) is a cycle of its own
    expect(graphHasCycle("u01v02u02v01u03v04u04v03u05v06u07v08")).toBe(1);
    expect(graphHasCycle("u01v01u02v02u03v04u05v06u07v08u09v10")).toBe(1); // two self-loops: rank 2
  });

  it("are selectable by name only: the default grid stays the paper's twelve", () => {
    const fns = new Set(resolveGrid(undefined, undefined).map((p) => p.fn));
    expect(fns.has("fn_v") || fns.has("fn_aa")).toBe(false);
    expect(fns.size).toBe(12);
    expect(planGrid(undefined, [48]).points.some((p) => p.fn === "fn_aa")).toBe(false);
    expect(resolveGrid(["fn_v", "fn_aa"], undefined)).toEqual([
      ...[100, 50, 30, 25, 20].map((length) => ({ fn: "fn_v", length })),
      { fn: "fn_aa", length: 96 },
      { fn: "fn_aa", length: 48 },
    ]);
    expect(() => resolveGrid(["fn_aa"], [50])).toThrow(UsageError);
    expect(() => resolveGrid(["fn_aa"], [30])).toThrow(/at least 36/);
    expect(resolveGrid(["fn_aa"], [36])).toEqual([{ fn: "fn_aa", length: 36 }]);
  });

  it("fn_v's datasets: positives p + 47, negatives c + 47 with c composite ending in 1, 3, 7 or 9", async () => {
    const { train, val, test } = await generateSplits({
      fn: "fn_v",
      length: 12,
      trainSize: 100,
      valSize: 100,
      testSize: 400,
      seed: 3,
    });
    const all = [...train, ...val, ...test];
    expect(new Set(all.map((e) => e.x)).size).toBe(600);
    for (const e of all) {
      expect(e.x).toMatch(/^[1-9][0-9]{11}$/);
      const c = BigInt(e.x) - 47n;
      expect(isProbablePrime(c) ? 1 : 0, e.x).toBe(e.y);
      if (e.y === 0) expect([1n, 3n, 7n, 9n]).toContain(c % 10n);
    }
    expect(all.filter((e) => e.y === 1)).toHaveLength(300);
  });

  it("fn_aa's datasets: negatives of cycle rank 1, positives above the threshold, E = V = L/6, ids 01..99", async () => {
    for (const length of [36, 48, 96]) {
      const e = length / 6;
      const { train, val, test } = await generateSplits({
        fn: "fn_aa",
        length,
        trainSize: 50,
        valSize: 50,
        testSize: 200,
        seed: 9,
      });
      const all = [...train, ...val, ...test];
      expect(new Set(all.map((x) => x.x)).size).toBe(300);
      for (const ex of all) {
        expect(ex.x).toHaveLength(length);
        const edges = edgesOf(ex.x);
        expect(edges).toHaveLength(e);
        const vertices = new Set(edges.flat());
        expect([...vertices].every((v) => v >= 1 && v <= 99)).toBe(true);
        // components by relaxation: each vertex takes the smallest label among its neighbours until stable
        const comp = new Map([...vertices].map((v) => [v, v]));
        for (let changed = true; changed; ) {
          changed = false;
          for (const [a, b] of edges) {
            const m = Math.min(comp.get(a) as number, comp.get(b) as number);
            for (const v of [a, b])
              if ((comp.get(v) as number) > m) {
                comp.set(v, m);
                changed = true;
              }
          }
        }
        const rank = edges.length - vertices.size + new Set(comp.values()).size;
        if (ex.y === 0) {
          expect(vertices.size).toBe(e); // the spanning-tree family: V = E, connected, rank 1
          expect(rank).toBe(1);
        } else expect(rank).toBeGreaterThan(Math.max(1, Math.floor(e / 6)));
        expect(graphHasCycle(ex.x)).toBe(ex.y);
      }
    }
  });

  it("the prompt names fn_aa's alphabet; the twelve and fn_v keep binary / decimal", () => {
    const aa = getTask("fn_aa");
    const prompt = buildPaperPrompt([{ x: "u01v02u02v03u03v01u04v05u05v06u06v04", y: 1 }], {
      decimal: aa.decimal,
      length: 36,
      alphabet: promptAlphabet(aa),
    });
    expect(prompt).toContain(
      "input vectors (edge lists: 6 characters an edge, 'u', two digits, 'v', two digits, length 36)",
    );
    expect(promptAlphabet(getTask("fn_v"))).toBe("decimal");
    expect(promptAlphabet(getTask("fn_i"))).toBe("decimal");
    expect(promptAlphabet(getTask("fn_a"))).toBe("binary");
  });
});
