import { describe, expect, it } from "vitest";
import { createEnumerativeProposer } from "../../src/enumerate/enumerative-proposer.js";
import type { Proposal, ProposerContext } from "../../src/proposer/proposer.js";
import { patternSet } from "./helpers.js";

const train = patternSet(21, 60, 24, "10101010");
const ctx = (attemptsDone: number): ProposerContext => ({
  gridPoint: { fn: "fn_test", length: 24 },
  prompt: "",
  train,
  attemptsDone,
  signal: new AbortController().signal,
});
const rank = (p: Proposal | null) => (p?.meta as { rank: number } | undefined)?.rank;
const open = (attemptsDone: number) =>
  createEnumerativeProposer({ maxPrograms: 20_000, proposals: 4 }).open(ctx(attemptsDone));

describe("enumerative session: concurrent next() calls (--batch) and resume with holes", () => {
  it("serves each attempt its own rank, whatever the order or overlap of the calls", async () => {
    const s = open(0);
    // Issued together, out of order, before the search has finished.
    const got = await Promise.all([s.next(3), s.next(1), s.next(2), s.next(5)]);
    expect(got.map(rank)).toEqual([3, 1, 2, undefined]);
    expect(got[3]).toBeNull(); // rank 5 is past the 4 proposals
    const codes = new Set(got.slice(0, 3).map((p) => p?.text));
    expect(codes.size).toBe(3);
    // Without an attempt number, calls made together still get distinct ranks, in call order.
    const s2 = open(0);
    const plain = await Promise.all([s2.next(), s2.next(), s2.next()]);
    expect(plain.map(rank)).toEqual([1, 2, 3]);
    expect(plain.map((p) => p?.text)).toEqual([got[1]?.text, got[2]?.text, got[0]?.text]);
    await Promise.all([s.close?.(), s2.close?.()]);
  });

  it("a resume with attempts 1 and 3 recorded asks for 2 and 4, not 3 again", async () => {
    const s = open(2);
    const got = await Promise.all([s.next(2), s.next(4)]);
    expect(got.map(rank)).toEqual([2, 4]);
    await s.close?.();
  });
});
