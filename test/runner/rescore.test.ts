import { describe, expect, it } from "vitest";
import { accuracyChanged, type RescoreRow, reselect, type ScoreFacts } from "../../src/runner/rescore.js";

const facts = (val: number, train = val, test: number | null = val): ScoreFacts => ({
  train_acc: train,
  val_acc: val,
  test_acc: test,
  outcome: "ok",
});

const row = (
  fn: string,
  length: number,
  attempt: number,
  recorded: ScoreFacts,
  rescored: ScoreFacts,
): RescoreRow => ({
  fn,
  length,
  attempt,
  proposer: "enumerative",
  config_fingerprint: "fp",
  recorded,
  rescored,
  changed: accuracyChanged(recorded, rescored),
});

describe("rescore: re-selection", () => {
  it("lists grid points by function, longest inputs first, whatever order attempts finished in", () => {
    const rows = [
      row("fn_b", 20, 1, facts(1), facts(1)),
      row("fn_a", 25, 1, facts(1), facts(1)),
      row("fn_a", 100, 1, facts(1), facts(1)),
      row("fn_b", 50, 1, facts(1), facts(1)),
    ];
    expect(reselect(rows).map((r) => `${r.fn}/${r.length}`)).toEqual([
      "fn_a/100",
      "fn_a/25",
      "fn_b/50",
      "fn_b/20",
    ]);
  });

  it("re-selects by the re-scored accuracies (ERM) and says when the choice moves", () => {
    // Recorded: attempt 2 was best. Re-scored: attempt 2 loses its validation accuracy, attempt 1 wins.
    const rows = [
      row("fn_a", 20, 1, facts(0.9), facts(0.9)),
      row("fn_a", 20, 2, facts(1), facts(0.5)),
      row("fn_b", 20, 1, facts(0.8), facts(0.8)),
    ];
    const [a, b] = reselect(rows);
    expect(a).toMatchObject({ attempts: 2, changed_attempts: 1, changed: true });
    expect(a!.recorded).toMatchObject({ attempt: 2, val_acc: 1 });
    expect(a!.rescored).toMatchObject({ attempt: 1, val_acc: 0.9 });
    expect(b).toMatchObject({ attempts: 1, changed_attempts: 0, changed: false });
  });

  it("an accuracy the record left blank (test under --test-selected-only) is not a change", () => {
    expect(accuracyChanged(facts(1, 1, null), facts(1, 1, 0.7))).toBe(false);
    expect(accuracyChanged(facts(1, 1, 0.8), facts(1, 1, 0.7))).toBe(true);
    expect(accuracyChanged(facts(1), null)).toBe(false);
  });
});
