import { describe, expect, it } from "vitest";
import { type AuditExample, auditSplits } from "../../src/audit/audit.js";
import { fewerVerticesThanEdges, passesTrialDivision } from "../../src/audit/shortcut-rules.js";

const ex = (x: string, y: number | string): AuditExample => ({ x, y });

describe("auditSplits", () => {
  it("counts planted repeats, leaks, near-duplicates, conflicts and balance exactly", () => {
    const train = [
      ex("00000", 0),
      ex("00000", 0), // repeated in train
      ex("11111", 1),
      ex("10101", 1),
      ex("01010", 0),
      ex("01010", 1), // conflicting in train (and repeated)
      ex("11110", 1), // one edit from the test's 11111, which is itself in train: a leak, not a near-duplicate
    ];
    const val = [ex("11111", 1), ex("00111", 0), ex("11000", 1), ex("11000", 1)];
    const test = [
      ex("00000", 0), // in train
      ex("00000", 0), // in train, repeated in test
      ex("11111", 0), // in train and val, other label
      ex("00111", 0), // in val
      ex("10100", 1), // one substitution from 10101 (train)
      ex("1010", 1), // one deletion from 10101
      ex("001110", 0), // one insertion from 00111 (val)
      ex("10010", 1), // two edits from everything
      ex("011011", 0), // 01010 -> two edits; 11011? no reference: far
    ];
    const report = auditSplits({ train, val, test }, { enumeratorRules: 0, rules: [] });
    expect(report.splits.train).toEqual({
      lines: 7,
      labels: { "0": 3, "1": 4 },
      repeated_inputs: 2,
      repeated_lines: 2,
      conflicting_inputs: 1,
    });
    expect(report.splits.val).toMatchObject({ lines: 4, repeated_inputs: 1, repeated_lines: 1 });
    expect(report.splits.test).toMatchObject({ labels: { "0": 6, "1": 3 }, repeated_lines: 1 });
    expect(report.overlap.test_in_train).toEqual({ lines: 3, share: 3 / 9 });
    expect(report.overlap.test_in_val).toEqual({ lines: 2, share: 2 / 9 });
    expect(report.overlap.test_in_train_or_val.lines).toBe(4);
    expect(report.overlap.val_in_train.lines).toBe(1);
    expect(report.overlap.test_conflicting.lines).toBe(1);
    expect(report.near_duplicates.test_near_train_or_val.lines).toBe(3);
    // val: 00111 is one edit from 10111? no; 11000 is not near train; 00111 vs 01010 far
    expect(report.near_duplicates.val_near_train.lines).toBe(0);
    expect(report.shortcuts).toEqual([]);
  });

  it("shortcut baselines: the enumerator's best on train, the parity rule oriented on train", () => {
    // label: the first character is 1; the parity of the ones is planted to agree on train only
    const make = (n: number, seed: number): AuditExample[] =>
      Array.from({ length: n }, (_, i) => {
        const bits = ((i * 2654435761 + seed) >>> 0).toString(2).padStart(32, "0").slice(0, 12);
        return ex(bits, bits[0] === "1" ? 1 : 0);
      });
    const train = make(40, 1);
    const test = make(200, 7);
    const report = auditSplits({ train, val: [], test });
    const best = report.shortcuts[0];
    expect(best?.source).toBe("enumerator");
    expect(best?.accuracy.train).toBe(1);
    expect(best?.accuracy.test).toBe(1);
    expect(best?.accuracy.val).toBeNull();
    expect(best?.test_accuracy_by_label).toEqual({ "0": 1, "1": 1 });
    const parity = report.shortcuts.find((s) => s.source === "rule");
    expect(parity?.rule).toMatch(/number of 1s is (even|odd)|not: the number of 1s is even/);
    expect(parity?.accuracy.train).toBeGreaterThanOrEqual(0.5); // oriented on train
    expect(report.shortcuts.some((s) => s.rule.includes("prime"))).toBe(false); // bits: no trial division
  });

  it("trial division: applies to decimal inputs; right on primes, wrong on composites without small factors", () => {
    expect(passesTrialDivision("97")).toBe(1);
    expect(passesTrialDivision("2")).toBe(1);
    expect(passesTrialDivision("91")).toBe(0); // 7 * 13
    expect(passesTrialDivision("10403")).toBe(1); // 101 * 103: no factor below 100
    const train = [ex("101", 1), ex("103", 1), ex("91", 0), ex("77", 0), ex("10403", 0), ex("997", 1)];
    const report = auditSplits({ train, val: [], test: train }, { enumeratorRules: 0 });
    expect(report.shortcuts).toEqual([
      {
        source: "rule",
        rule: "no prime below 100 divides it (trial division)",
        python: expect.stringContaining("PRIMES_BELOW_100"),
        accuracy: { train: 5 / 6, val: null, test: 5 / 6 },
        test_accuracy_by_label: { "0": 2 / 3, "1": 1 },
      },
    ]);
  });

  it("fewer vertices than edges: counts distinct ids, skips u00v00 padding", () => {
    expect(fewerVerticesThanEdges("u01v02u02v03u03v01")).toBe(0); // 3 ids, 3 edges
    expect(fewerVerticesThanEdges("u01v02u02v03u03v01u01v03")).toBe(1); // 3 ids, 4 edges
    expect(fewerVerticesThanEdges("u01v02u02v03u00v00")).toBe(0); // 3 ids, 2 edges
    expect(fewerVerticesThanEdges("u01v02u02v01u00v00")).toBe(0); // 2 ids, 2 edges
  });

  it("other labels: balance per class; the enumerator's class rules, no fixed 0/1 rules", () => {
    const train = [ex("a b", "cat"), ex('ü,"q"', "dog"), ex("a b", "dog")];
    const report = auditSplits({ train, val: [], test: [ex("a c", "cat")] });
    expect(report.splits.train.labels).toEqual({ cat: 1, dog: 2 });
    expect(report.splits.train.conflicting_inputs).toBe(1);
    expect(report.near_duplicates.test_near_train_or_val.lines).toBe(1);
    expect(report.shortcut_note).toBeUndefined();
    expect(report.shortcuts.length).toBeGreaterThan(0);
    expect(report.shortcuts.every((s) => s.source === "enumerator")).toBe(true);
  });
});
