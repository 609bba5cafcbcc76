import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import type { Example } from "../../src/core/example.js";
import {
  createEnumerativeProposer,
  DEFAULT_ENUMERATION_BUDGET,
} from "../../src/enumerate/enumerative-proposer.js";
import type { Proposal, ProposerContext } from "../../src/proposer/proposer.js";
import { balancedSet, containsPattern, parityAll, patternSet, runPython } from "./helpers.js";

function context(
  train: readonly Example[],
  attemptsDone = 0,
  signal = new AbortController().signal,
): ProposerContext {
  return {
    gridPoint: { fn: "fn_test", length: train[0]?.x.length ?? 0 },
    prompt: "",
    train,
    attemptsDone,
    signal,
  };
}

async function drain(
  ctx: ProposerContext,
  budget = { maxPrograms: 20_000, proposals: 4 },
): Promise<Proposal[]> {
  const session = createEnumerativeProposer(budget).open(ctx);
  const out: Proposal[] = [];
  for (let p = await session.next(); p !== null; p = await session.next()) out.push(p);
  await session.close?.();
  return out;
}

const codeOf = (p: Proposal): string => (JSON.parse(p.text) as { code: string }).code;

describe("enumerative proposer", () => {
  it("has id enumerative and sane defaults", () => {
    expect(createEnumerativeProposer().id).toBe("enumerative");
    expect(DEFAULT_ENUMERATION_BUDGET.proposals).toBeGreaterThanOrEqual(5);
    expect(() => createEnumerativeProposer({ maxSeconds: -1 })).toThrow(UsageError);
  });

  it("runs the search in a worker and yields {code} proposals in ERM order, then null", async () => {
    const train = patternSet(21, 60, 24, "10101010");
    const proposals = await drain(context(train));
    expect(proposals).toHaveLength(4);
    const metas = proposals.map((p) => p.meta!);
    for (const m of metas) {
      expect(m.proposer).toBe("enumerative");
      expect(typeof m.expression).toBe("string");
      expect(["exhausted", "solved", "max_programs", "max_seconds", "max_size"]).toContain(m.stopped_by);
    }
    expect(metas[0]!.train_errors).toBe(0);
    for (let i = 1; i < metas.length; i++) {
      const [a, b] = [metas[i - 1]!, metas[i]!] as { train_errors: number; size: number }[];
      expect(
        a!.train_errors < b!.train_errors || (a!.train_errors === b!.train_errors && a!.size <= b!.size),
      ).toBe(true);
    }
    // The search is the first proposal's duration (as measured in the worker); the rest came with it.
    expect(proposals.map((p) => p.durationMs)).toEqual([metas[0]!.elapsed_ms, 0, 0, 0]);
    expect(metas.every((m) => m.elapsed_ms === metas[0]!.elapsed_ms)).toBe(true);
    expect(proposals[0]!.usage).toBeUndefined();
    // The train_errors it claims are what python3 computes from the emitted code.
    const py = runPython(
      proposals.map(codeOf),
      train.map((e) => e.x),
    );
    proposals.forEach((p, i) => {
      const errors = train.filter((e, j) => (py[i]![j] ? 1 : 0) !== e.y).length;
      expect(errors).toBe(p.meta!.train_errors);
    });
  });

  it("solves parity and a planted pattern from small training sets", async () => {
    const parityTrain = balancedSet(31, 80, 20, parityAll);
    const [parity] = await drain(context(parityTrain), { maxPrograms: 200_000, proposals: 1 });
    const patternTrain = patternSet(32, 80, 24, "10101010");
    const [pattern] = await drain(context(patternTrain), { maxPrograms: 200_000, proposals: 1 });
    const fresh = balancedSet(77, 200, 20, parityAll).map((e) => e.x);
    const freshPattern = patternSet(78, 200, 24, "10101010").map((e) => e.x);
    const [pyParity, pyPattern] = [
      runPython([codeOf(parity!)], fresh)[0]!,
      runPython([codeOf(pattern!)], freshPattern)[0]!,
    ];
    expect(fresh.every((x, i) => (pyParity[i] ? 1 : 0) === parityAll(x))).toBe(true);
    const patternAcc = freshPattern.filter(
      (x, i) => (pyPattern[i] ? 1 : 0) === containsPattern("10101010")(x),
    ).length;
    expect(patternAcc / freshPattern.length).toBeGreaterThan(0.9);
  });

  it("is deterministic and resumes after the attempts already done", async () => {
    const train = patternSet(41, 50, 16, "0011");
    const all = await drain(context(train));
    const again = await drain(context(train));
    expect(again.map((p) => p.text)).toEqual(all.map((p) => p.text));
    const resumed = await drain(context(train, 2));
    expect(resumed.map((p) => p.text)).toEqual(all.slice(2).map((p) => p.text));
    expect(resumed[0]!.meta!.rank).toBe(3);
    expect(await drain(context(train, 10))).toEqual([]);
  });

  it("honours the abort signal: next() rejects and the worker is stopped", async () => {
    const controller = new AbortController();
    const train = balancedSet(51, 100, 100, parityAll).map((e, i) => ({
      ...e,
      y: ((i * 7) % 3 === 0 ? 1 : 0) as 0 | 1,
    }));
    const session = createEnumerativeProposer({ maxPrograms: 1e9, maxSeconds: 600, maxSize: 50 }).open(
      context(train, 0, controller.signal),
    );
    const pending = session.next();
    setTimeout(() => controller.abort(new Error("stop now")), 200);
    const started = Date.now();
    await expect(pending).rejects.toThrow("stop now");
    expect(Date.now() - started).toBeLessThan(10_000);
    await expect(session.next()).rejects.toThrow("stop now");
    await session.close?.();
  });

  it("rejects at once when opened with an aborted signal", async () => {
    const controller = new AbortController();
    controller.abort(new Error("already"));
    const session = createEnumerativeProposer().open(
      context(balancedSet(1, 10, 8, parityAll), 0, controller.signal),
    );
    await expect(session.next()).rejects.toThrow("already");
  });
});
