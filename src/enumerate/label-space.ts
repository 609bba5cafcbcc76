/**
 * How the search scores a behaviour against the training labels. Binary labels (every label 0 or 1):
 * a Bool program's value is the label, an Int's is 1 when nonzero (as the verifier reads Python).
 * Other labels are classes (ints or strings): a program maps its feature's value to a class, either
 * directly (int classes, the value is the class) or through a small table of the values seen.
 */
import type { Feature, Label, Program } from "./ast.js";

export interface LabelSpace {
  readonly binary: boolean;
  /** Training errors of an Int behaviour (one value per example). */
  intErrors(vec: Int32Array): number;
  /** Training errors of a Bool behaviour (a bitset, unused bits of the last word clear). */
  boolErrors(bits: Int32Array): number;
  /** The program that answers with this feature, whose behaviour on the training inputs is vec. */
  program(feature: Feature, vec: Int32Array): Program;
  /**
   * Classes only (null for binary labels or two classes): a decision list over the given Bool
   * behaviours, built greedily (each rule the test and class that are right on the most examples not
   * yet covered, with no mistake if any test can; then the next), with at most classes - 1 rules.
   */
  decisionList(bools: BoolBehaviours): DecisionList | null;
}

export interface BoolBehaviours {
  readonly count: number;
  vector(i: number): Int32Array;
}

export interface DecisionList {
  /** Each rule: the index of its Bool behaviour and its class. */
  readonly rules: readonly { readonly index: number; readonly label: Label }[];
  readonly otherwise: Label;
  readonly errors: number;
}

/** Decision lists have at most this many rules. */
const MAX_RULES = 4;

/** An Int feature is mapped through a table only when it takes at most this many values (else direct). */
const tableLimit = (classes: number): number => Math.max(2, classes);

export function labelSpace(labels: readonly Label[]): LabelSpace {
  return labels.every((y) => y === 0 || y === 1)
    ? binarySpace(labels as readonly (0 | 1)[])
    : classSpace(labels);
}

function binarySpace(labels: readonly (0 | 1)[]): LabelSpace {
  const n = labels.length;
  const W = Math.max(1, Math.ceil(n / 32));
  const bitsOf = new Int32Array(W);
  labels.forEach((y, i) => {
    if (y === 1) bitsOf[i >>> 5]! |= 1 << (i & 31);
  });
  return {
    binary: true,
    decisionList: () => null,
    intErrors: (vec) => {
      let err = 0;
      for (let i = 0; i < n; i++) {
        const pred = vec[i] !== 0 ? 1 : 0;
        const y = (bitsOf[i >>> 5]! >>> (i & 31)) & 1;
        if (pred !== y) err++;
      }
      return err;
    },
    boolErrors: (bits) => {
      let err = 0;
      for (let w = 0; w < W; w++) err += popcount(bits[w]! ^ bitsOf[w]!);
      return err;
    },
    program: (feature) => feature,
  };
}

interface Mapping {
  readonly errors: number;
  readonly direct: boolean;
  /** [feature value, class index] */
  readonly cases: readonly (readonly [number, number])[];
  readonly otherwise: number;
}

function classSpace(labels: readonly Label[]): LabelSpace {
  const n = labels.length;
  const W = Math.max(1, Math.ceil(n / 32));
  const classes = [...new Set(labels)].sort(compareLabels);
  const K = classes.length;
  const index = new Map(classes.map((c, i) => [c, i]));
  const cls = Int32Array.from(labels, (y) => index.get(y)!);
  const totals = new Int32Array(K);
  for (const c of cls) totals[c]!++;
  const majority = argmax(totals, 0, K);
  const masks = classes.map((_, c) => {
    const m = new Int32Array(W);
    cls.forEach((k, i) => {
      if (k === c) m[i >>> 5]! |= 1 << (i & 31);
    });
    return m;
  });
  const intClasses = classes.every((c) => typeof c === "number" && Number.isInteger(c));
  const limit = tableLimit(K);

  const boolMapping = (bits: Int32Array): Mapping => {
    const yes = new Int32Array(K);
    for (let c = 0; c < K; c++) for (let w = 0; w < W; w++) yes[c]! += popcount(bits[w]! & masks[c]![w]!);
    const no = totals.map((t, c) => t - yes[c]!);
    const cy = argmax(yes, 0, K);
    const cn = argmax(no, 0, K);
    return { errors: n - yes[cy]! - no[cn]!, direct: false, cases: [[1, cy]], otherwise: cn };
  };

  const intMapping = (vec: Int32Array): Mapping | null => {
    const values = new Int32Array(limit);
    const counts = new Int32Array(limit * K);
    let seen = 0;
    for (let i = 0; i < n; i++) {
      const v = vec[i]!;
      let j = 0;
      while (j < seen && values[j] !== v) j++;
      if (j === seen) {
        if (seen === limit) return null;
        values[seen++] = v;
      }
      counts[j * K + cls[i]!]!++;
    }
    let errors = n;
    const cases: [number, number][] = [];
    for (let j = 0; j < seen; j++) {
      const c = argmax(counts, j * K, K);
      errors -= counts[j * K + c]!;
      cases.push([values[j]!, c]);
    }
    cases.sort((a, b) => a[0] - b[0]);
    const direct = intClasses && cases.every(([v, c]) => classes[c] === v);
    return { errors, direct, cases, otherwise: majority };
  };

  /** Int classes, more values than a table takes: the value itself is the class. */
  const directErrors = (vec: Int32Array): number => {
    if (!intClasses) return n;
    let err = 0;
    for (let i = 0; i < n; i++) if (vec[i] !== labels[i]) err++;
    return err;
  };

  /** Greedy decision list (see LabelSpace.decisionList). */
  const decisionList = (bools: BoolBehaviours): DecisionList | null => {
    if (K < 3) return null;
    const rem = new Int32Array(W).fill(-1);
    if (n % 32 !== 0) rem[W - 1] = (1 << (n % 32)) - 1;
    const rules: { index: number; label: Label }[] = [];
    let errors = 0;
    const remaining = (): Int32Array =>
      Int32Array.from(masks, (m) => m.reduce((a, w, i) => a + popcount(w & rem[i]!), 0));
    for (let step = 0; step < Math.min(K - 1, MAX_RULES); step++) {
      if (remaining().filter((c) => c > 0).length <= 1) break;
      let best: { index: number; c: number; right: number; wrong: number } | null = null;
      for (let i = 0; i < bools.count; i++) {
        const v = bools.vector(i);
        let covered = 0;
        for (let w = 0; w < W; w++) covered += popcount(v[w]! & rem[w]!);
        if (covered === 0) continue;
        for (let c = 0; c < K; c++) {
          const m = masks[c]!;
          let right = 0;
          for (let w = 0; w < W; w++) right += popcount(v[w]! & rem[w]! & m[w]!);
          const wrong = covered - right;
          const better =
            best === null ||
            (wrong === 0 && best.wrong !== 0) ||
            ((wrong === 0) === (best.wrong === 0) && right - wrong > best.right - best.wrong);
          if (right > wrong && better) best = { index: i, c, right, wrong };
        }
      }
      if (best === null) break;
      rules.push({ index: best.index, label: classes[best.c]! });
      errors += best.wrong;
      const v = bools.vector(best.index);
      for (let w = 0; w < W; w++) rem[w] = rem[w]! & ~v[w]!;
    }
    if (rules.length < 2) return null;
    const left = remaining();
    const otherwise = left.some((c) => c > 0) ? argmax(left, 0, K) : majority;
    errors += left.reduce((a, c) => a + c, 0) - left[otherwise]!;
    return { rules, otherwise: classes[otherwise]!, errors };
  };

  return {
    binary: false,
    decisionList,
    intErrors: (vec) => intMapping(vec)?.errors ?? directErrors(vec),
    boolErrors: (bits) => boolMapping(bits).errors,
    program: (feature, vec) => {
      const m = feature.type === "bool" ? boolMapping(vec) : intMapping(vec);
      if (m === null)
        return { type: "classify", feature, direct: true, cases: [], otherwise: classes[majority]! };
      return {
        type: "classify",
        feature,
        direct: m.direct,
        cases: m.direct ? [] : m.cases.map(([v, c]) => [v, classes[c]!] as const),
        otherwise: classes[m.otherwise]!,
      };
    },
  };
}

/** Index of the largest of counts[from .. from + k) (the first on ties). */
function argmax(counts: Int32Array, from: number, k: number): number {
  let best = 0;
  for (let c = 1; c < k; c++) if (counts[from + c]! > counts[from + best]!) best = c;
  return best;
}

/** Numbers before strings; numbers by value, strings by code unit. */
export function compareLabels(a: Label, b: Label): number {
  if (typeof a !== typeof b) return typeof a === "number" ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function popcount(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}
