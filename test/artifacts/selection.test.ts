import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { selectErm } from "../../src/artifacts/selection.js";

const arbAttempts = fc
  .array(
    fc.record({
      val_acc: fc.option(fc.constantFrom(0, 0.5, 0.75, 1), { nil: null }),
      train_acc: fc.option(fc.constantFrom(0, 0.5, 1), { nil: null }),
    }),
    { maxLength: 8 },
  )
  .map((xs) => xs.map((x, i) => ({ ...x, attempt: i + 1 })));

describe("ERM selection", () => {
  it("best val, then best train, then the earlier attempt", () => {
    const a = [
      { attempt: 1, val_acc: 0.9, train_acc: 0.8 },
      { attempt: 2, val_acc: 0.95, train_acc: 0.7 },
      { attempt: 3, val_acc: 0.95, train_acc: 0.9 },
      { attempt: 4, val_acc: 0.95, train_acc: 0.9 },
      { attempt: 5, val_acc: null, train_acc: null },
    ];
    expect(selectErm(a)?.attempt).toBe(3);
    expect(selectErm([{ attempt: 1, val_acc: null, train_acc: null }])).toBeUndefined();
  });

  it("no scored attempt beats the selection, and the order of the input does not matter", () => {
    // The attempts and a shuffle of them (a permutation drawn from the generated data).
    const arbAttemptsAndShuffle = arbAttempts.chain((xs) =>
      fc.tuple(fc.constant(xs), fc.shuffledSubarray(xs, { minLength: xs.length, maxLength: xs.length })),
    );
    fc.assert(
      fc.property(arbAttemptsAndShuffle, ([xs, shuffled]) => {
        expect(shuffled.map((x) => x.attempt).sort((a, b) => a - b)).toEqual(xs.map((x) => x.attempt));
        const sel = selectErm(xs);
        const scored = xs.filter((x) => x.val_acc !== null);
        if (scored.length === 0) return sel === undefined && selectErm(shuffled) === undefined;
        for (const x of scored) {
          if ((x.val_acc ?? -1) > (sel!.val_acc ?? -1)) return false;
          if (x.val_acc === sel!.val_acc && (x.train_acc ?? -1) > (sel!.train_acc ?? -1)) return false;
          if (x.val_acc === sel!.val_acc && x.train_acc === sel!.train_acc && x.attempt < sel!.attempt)
            return false;
        }
        return selectErm(shuffled)?.attempt === sel!.attempt;
      }),
    );
  });
});
