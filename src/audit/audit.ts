/**
 * What makes a benchmark easier than it looks, per dataset: inputs repeated within a split, test (and
 * validation) inputs also in the earlier splits, near-duplicates one edit away, the class balance per
 * split, and "shortcut baselines": short rules chosen on train alone (the enumerator's best, and fixed
 * rules such as the parity of the ones or trial division), scored on validation and test.
 *
 * A pure function of the splits and the options: the built-in grid (`llm-erm datasets audit`) and a
 * user's files can call it alike. It lives above src/enumerate/ (it runs the enumerator's search) and
 * below src/verify/ (it runs no candidate in a sandbox: the rules are evaluated in-process).
 */
import type { Example } from "../core/example.js";
import { predict } from "../enumerate/evaluate.js";
import { prettyProgram, pythonExpression } from "../enumerate/expr.js";
import { type EnumerationBudget, search } from "../enumerate/search.js";
import { OneEditIndex } from "./near-duplicates.js";
import { SHORTCUT_RULES, type ShortcutRule } from "./shortcut-rules.js";

export type AuditSplitName = "train" | "val" | "test";
export const AUDIT_SPLITS: readonly AuditSplitName[] = ["train", "val", "test"];

/** One labelled line; labels may be 0/1 or any class. */
export interface AuditExample {
  readonly x: string;
  readonly y: number | string;
}

export type AuditSplits = Readonly<Record<AuditSplitName, readonly AuditExample[]>>;

export interface AuditOptions {
  /** The enumerator's budget for the shortcut search on train (default: SHORTCUT_BUDGET). */
  readonly budget?: Partial<EnumerationBudget>;
  /** How many of the enumerator's best programs to report (default 3; 0: no search). */
  readonly enumeratorRules?: number;
  /** The fixed rules to score where they apply (default: SHORTCUT_RULES). */
  readonly rules?: readonly ShortcutRule[];
}

/** A small budget: the short rules only, a fraction of a second to a few seconds per dataset. */
export const SHORTCUT_BUDGET: EnumerationBudget = Object.freeze({
  maxPrograms: 200_000,
  maxSeconds: 10,
  maxSize: 8,
  proposals: 3,
});

export interface SplitStats {
  readonly lines: number;
  /** Lines per label, labels as strings ("0", "1"), sorted. */
  readonly labels: Readonly<Record<string, number>>;
  /** Distinct inputs that occur more than once in the split. */
  readonly repeated_inputs: number;
  /** Lines that repeat an earlier line's input in the same split. */
  readonly repeated_lines: number;
  /** Distinct inputs that occur in the split with two or more labels. */
  readonly conflicting_inputs: number;
}

/** Lines of one split whose input meets a condition, and their share of the split. */
export interface LineShare {
  readonly lines: number;
  readonly share: number;
}

export interface Shortcut {
  /** "enumerator": found by the search on train; "rule": a fixed rule, oriented on train. */
  readonly source: "enumerator" | "rule";
  /** The rule in words or in the enumerator's compact form; what label 1 means. */
  readonly rule: string;
  readonly python: string;
  /** The enumerator's program size. */
  readonly size?: number;
  readonly accuracy: Readonly<Record<AuditSplitName, number | null>>;
  /** On test, per true label: the share of that label's lines the rule gets right. */
  readonly test_accuracy_by_label: Readonly<Record<string, number>>;
}

export interface AuditReport {
  readonly splits: Readonly<Record<AuditSplitName, SplitStats>>;
  readonly overlap: {
    readonly test_in_train: LineShare;
    readonly test_in_val: LineShare;
    readonly test_in_train_or_val: LineShare;
    readonly val_in_train: LineShare;
    /** Test lines whose input is in train or val with another label. */
    readonly test_conflicting: LineShare;
  };
  /** Exactly one edit (substitution, insertion, deletion) from an input of the other split(s), not equal to any. */
  readonly near_duplicates: {
    readonly test_near_train_or_val: LineShare;
    readonly val_near_train: LineShare;
  };
  /** Rules chosen on train alone, best first by train accuracy (the enumerator's in its ERM order). */
  readonly shortcuts: readonly Shortcut[];
  /** Why the enumerator did not run, when it did not. */
  readonly shortcut_note?: string;
  /** The enumerator's search: how far it got. */
  readonly search?: { readonly largest_size_finished: number; readonly programs_visited: number };
}

const share = (lines: number, of: number): LineShare => ({ lines, share: of === 0 ? 0 : lines / of });

function splitStats(examples: readonly AuditExample[]): SplitStats {
  const labels = new Map<string, number>();
  const seen = new Map<string, { count: number; labels: Set<string> }>();
  let repeatedLines = 0;
  for (const e of examples) {
    const y = String(e.y);
    labels.set(y, (labels.get(y) ?? 0) + 1);
    const s = seen.get(e.x);
    if (s === undefined) seen.set(e.x, { count: 1, labels: new Set([y]) });
    else {
      s.count++;
      s.labels.add(y);
      repeatedLines++;
    }
  }
  let repeatedInputs = 0;
  let conflicting = 0;
  for (const s of seen.values()) {
    if (s.count > 1) repeatedInputs++;
    if (s.labels.size > 1) conflicting++;
  }
  return {
    lines: examples.length,
    labels: Object.fromEntries([...labels.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    repeated_inputs: repeatedInputs,
    repeated_lines: repeatedLines,
    conflicting_inputs: conflicting,
  };
}

function labelsOf(examples: readonly AuditExample[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const e of examples) {
    const s = out.get(e.x);
    if (s === undefined) out.set(e.x, new Set([String(e.y)]));
    else s.add(String(e.y));
  }
  return out;
}

/** Scores a predictor on every split; a prediction that throws counts as wrong. */
function score(
  splits: AuditSplits,
  predict: (x: string) => number | string,
): { accuracy: Record<AuditSplitName, number | null>; byLabel: Record<string, number> } {
  const safe = (x: string): number | string | null => {
    try {
      return predict(x);
    } catch {
      return null;
    }
  };
  const accuracy = { train: null, val: null, test: null } as Record<AuditSplitName, number | null>;
  const right = new Map<string, number>();
  const total = new Map<string, number>();
  for (const split of AUDIT_SPLITS) {
    const lines = splits[split];
    if (lines.length === 0) continue;
    let ok = 0;
    for (const e of lines) {
      const hit = String(safe(e.x)) === String(e.y);
      if (hit) ok++;
      if (split === "test") {
        const y = String(e.y);
        total.set(y, (total.get(y) ?? 0) + 1);
        if (hit) right.set(y, (right.get(y) ?? 0) + 1);
      }
    }
    accuracy[split] = ok / lines.length;
  }
  const byLabel = Object.fromEntries(
    [...total.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([y, n]) => [y, (right.get(y) ?? 0) / n]),
  );
  return { accuracy, byLabel };
}

const isBinaryLabelled = (e: AuditExample): e is Example => e.y === 0 || e.y === 1;

/** The audit of one dataset's splits. */
export function auditSplits(splits: AuditSplits, options: AuditOptions = {}): AuditReport {
  const { train, val, test } = splits;
  const trainLabels = labelsOf(train);
  const valLabels = labelsOf(val);
  let inTrain = 0;
  let inVal = 0;
  let inEither = 0;
  let conflicting = 0;
  for (const e of test) {
    const a = trainLabels.get(e.x);
    const b = valLabels.get(e.x);
    if (a) inTrain++;
    if (b) inVal++;
    if (a || b) inEither++;
    const y = String(e.y);
    if ((a && [...a].some((l) => l !== y)) || (b && [...b].some((l) => l !== y))) conflicting++;
  }
  const valInTrain = val.filter((e) => trainLabels.has(e.x)).length;

  const earlier = new OneEditIndex([...new Set([...train, ...val].map((e) => e.x))]);
  const nearTest = test.filter(
    (e) => !trainLabels.has(e.x) && !valLabels.has(e.x) && earlier.neighbour(e.x) >= 0,
  ).length;
  const trainIndex = new OneEditIndex([...trainLabels.keys()]);
  const nearVal = val.filter((e) => !trainLabels.has(e.x) && trainIndex.neighbour(e.x) >= 0).length;

  const shortcuts: Shortcut[] = [];
  let note: string | undefined;
  let searchStats: AuditReport["search"];
  const wanted = options.enumeratorRules ?? 3;
  if (wanted > 0) {
    if (train.length === 0) note = "no training lines";
    else {
      const budget = { ...SHORTCUT_BUDGET, ...options.budget, proposals: wanted };
      const result = search(train, budget);
      searchStats = {
        largest_size_finished: result.stats.largest_size_finished,
        programs_visited: result.stats.programs_visited,
      };
      for (const found of result.found.slice(0, wanted)) {
        const { accuracy, byLabel } = score(splits, (x) => predict(found.program, x));
        shortcuts.push({
          source: "enumerator",
          rule: prettyProgram(found.program),
          python: pythonExpression(found.program),
          size: found.size,
          accuracy,
          test_accuracy_by_label: byLabel,
        });
      }
    }
  }
  const inputs = train.map((e) => e.x);
  // The fixed rules predict 0/1: scored on binary data only.
  const binary = [train, val, test].every((split) => split.every(isBinaryLabelled));
  for (const rule of binary ? (options.rules ?? SHORTCUT_RULES) : []) {
    if (!rule.applies(inputs)) continue;
    const plain = score(splits, rule.predict);
    const flip = (plain.accuracy.train ?? 0) < 0.5;
    const { accuracy, byLabel } = flip ? score(splits, (x) => (rule.predict(x) === 1 ? 0 : 1)) : plain;
    shortcuts.push({
      source: "rule",
      rule: flip ? `not: ${rule.name}` : rule.name,
      python: flip ? `not (${rule.python})` : rule.python,
      accuracy,
      test_accuracy_by_label: byLabel,
    });
  }
  return {
    splits: { train: splitStats(train), val: splitStats(val), test: splitStats(test) },
    overlap: {
      test_in_train: share(inTrain, test.length),
      test_in_val: share(inVal, test.length),
      test_in_train_or_val: share(inEither, test.length),
      val_in_train: share(valInTrain, val.length),
      test_conflicting: share(conflicting, test.length),
    },
    near_duplicates: {
      test_near_train_or_val: share(nearTest, test.length),
      val_near_train: share(nearVal, val.length),
    },
    shortcuts,
    ...(note !== undefined ? { shortcut_note: note } : {}),
    ...(searchStats !== undefined ? { search: searchStats } : {}),
  };
}
