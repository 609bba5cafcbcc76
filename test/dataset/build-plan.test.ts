import { describe, expect, it } from "vitest";
import { planBuilds } from "../../src/dataset/build-pool.js";
import { specsForGrid } from "../../src/dataset/spec.js";

const paper = { trainSize: 100, valSize: 100, testSize: 10000, seed: 42, datasetDir: "d" };
const label = (j: { spec: { fn: string; length: number } }) => `${j.spec.fn}/${j.spec.length}`;

describe("build plan", () => {
  it("builds the paper grid's L=100 prime datasets wide (every core), the rest a dataset per thread", () => {
    const specs = specsForGrid(paper);
    expect(specs).toHaveLength(60);
    const plan = planBuilds(specs, "d", 2, 2);
    expect(plan.wide.map(label).sort()).toEqual(["fn_i/100", "fn_k/100"]);
    expect(plan.wide.every((j) => j.primeThreads === 2)).toBe(true);
    expect(plan.narrow).toHaveLength(58);
    expect(plan.threads).toBe(2);
    expect(plan.narrow.every((j) => j.primeThreads === 1)).toBe(true);
    // the costliest first (the L=50 prime datasets), every index once
    expect(label(plan.narrow[0] as (typeof plan.narrow)[number])).toMatch(/^fn_[ik]\/50$/);
    expect([...plan.wide, ...plan.narrow].map((j) => j.index).sort((a, b) => a - b)).toEqual(
      specs.map((_, i) => i),
    );
  });

  it("gives a lone dataset every core for its next primes, and keeps small prime datasets narrow", () => {
    const [small] = specsForGrid({ ...paper, functions: ["fn_i"], lengths: [50] });
    const lone = planBuilds([small as NonNullable<typeof small>], "d", 4, 4);
    expect(lone.wide).toHaveLength(0);
    expect(lone.threads).toBe(1);
    expect(lone.narrow[0]?.primeThreads).toBe(4);
    const specs = specsForGrid({ ...paper, functions: ["fn_a", "fn_k"], lengths: [100] });
    const serial = planBuilds(specs, "d", 1, 2);
    expect(serial.wide.map(label)).toEqual(["fn_k/100"]);
    expect(serial.narrow.map(label)).toEqual(["fn_a/100"]);
    expect(serial.threads).toBe(1);
  });
});
