/**
 * Bottom-up enumeration by size with observational-equivalence pruning on the training inputs: each
 * size level builds every program of that size from the behaviours kept at smaller sizes, and keeps
 * a program only when its behaviour vector (its values on the training inputs) is new for its type.
 * Pure and synchronous: the proposer runs it in a worker thread.
 */
import type { Example } from "../core/example.js";
import { substringPool } from "./constant-pool.js";
import { predictLabel } from "./evaluate.js";
import type { BoolExpr, IntExpr, Program, StrExpr } from "./expr.js";
import { countChar, INT_MAX, intMod, viewOf } from "./semantics.js";
import { VectorTable } from "./vector-table.js";

export interface EnumerationBudget {
  /** Candidate programs built and evaluated (before pruning), over the whole search. */
  maxPrograms: number;
  /** Wall-clock seconds of search. */
  maxSeconds: number;
  /** Largest program size enumerated. */
  maxSize: number;
  /** Proposals offered (the best programs in ERM order). */
  proposals: number;
}

/**
 * Why the search stopped. `solved`: a size level finished with at least `proposals` programs of zero
 * training error, so no larger program can enter the proposal list. `exhausted`: nothing to search
 * (no training examples).
 */
export type StopReason = "exhausted" | "solved" | "max_programs" | "max_seconds" | "max_size";

export interface SearchStats {
  largest_size_finished: number;
  behaviours_kept: number;
  programs_visited: number;
  elapsed_ms: number;
  stopped_by: StopReason;
  /** Distinct behaviours kept per size (index = size). */
  kept_by_size: number[];
}

export interface Found {
  readonly program: Program;
  readonly size: number;
  readonly trainErrors: number;
}

export interface SearchResult {
  /** The best programs in ERM order: fewest training errors, then smallest, then enumeration order. */
  readonly found: Found[];
  readonly stats: SearchStats;
}

/** Modulus constants of `% m` and `int(s) % m`; integer constants are 0..9. */
export const MODULI = [2, 3, 4, 5, 6, 7, 8, 9] as const;
export const INT_CONSTANTS = 10;
/** Largest number of positions a gathered sum reads. */
export const MAX_GATHER = 3;
/** Zero-error programs checked against the probes during the search, at most. */
const MAX_ZERO_CHECKS = 20_000;
/** Entries of one error bucket examined when choosing the proposals, at most. */
const MAX_SCAN_PER_BUCKET = 20_000;
/** Python refuses int() of longer digit strings (3.11 int_max_str_digits). */
const PY_INT_MAX_DIGITS = 4300;

// Int op codes
const I_CONST = 0;
const I_LEN = 1;
const I_COUNT = 2;
const I_INTMOD = 3;
const I_GSUM = 4;
const I_ADD = 5;
const I_SUB = 6;
const I_MUL = 7;
const I_MOD = 8;
// Bool op codes
const B_CHAREQ = 0;
const B_CONTAINS = 1;
const B_STREQ = 2;
const B_IEQ = 3;
const B_ILT = 4;
const B_NOT = 5;
const B_AND = 6;
const B_OR = 7;
const B_XOR = 8;

class Stop extends Error {
  constructor(readonly reason: StopReason) {
    super(reason);
  }
}

interface View {
  readonly expr: StrExpr;
  readonly size: number;
  readonly vals: readonly string[];
}

/** A behaviour the search kept, in the order it kept them (for tests and tracing). */
export type KeptEntry =
  | { readonly type: "str"; readonly size: number; readonly expr: () => StrExpr }
  | { readonly type: "int"; readonly size: number; readonly expr: () => IntExpr }
  | { readonly type: "bool"; readonly size: number; readonly expr: () => BoolExpr };

export interface SearchOptions {
  /** Clock in milliseconds (injectable for tests). */
  readonly now?: () => number;
  /** Called for every kept behaviour, in order; slows the search down. */
  readonly onKept?: (entry: KeptEntry) => void;
}

/** Runs the search on the training examples under the budget. */
export function search(
  train: readonly Example[],
  budget: EnumerationBudget,
  options: SearchOptions = {},
): SearchResult {
  const now = options.now ?? (() => performance.now());
  const onKept = options.onKept;
  const t0 = now();
  const n = train.length;
  const inputs = train.map((e) => e.x);
  const W = Math.max(1, Math.ceil(n / 32));
  const lastMask = n % 32 === 0 ? -1 : (1 << (n % 32)) - 1;
  const labels = new Int32Array(W);
  train.forEach((e, i) => {
    if (e.y === 1) labels[i >>> 5]! |= 1 << (i & 31);
  });
  const minLen = n === 0 ? 0 : Math.min(...inputs.map((x) => x.length));
  const maxLen = n === 0 ? 0 : Math.max(...inputs.map((x) => x.length));
  const alphabet = [...new Set(inputs.join(""))].sort();
  const digits = n > 0 && maxLen <= PY_INT_MAX_DIGITS && inputs.every((x) => /^[0-9]+$/.test(x));
  const pool = substringPool(inputs);

  const ints = new VectorTable(n);
  const bools = new VectorTable(W);
  const views: View[] = [];
  const viewKeys = new Set<string>();
  const gathers: { idx: number[]; c: string | null }[] = [];
  // ERM buckets per training error count, in visit (so size) order. Entry = index * 4 + tag, tag 0: a
  // kept Int, 1: a kept Bool, 2: an alternative (below).
  const buckets: number[][] = Array.from({ length: n + 1 }, () => []);
  // Level ranges: ids of size s are [start[s], end[s]).
  const intStart: number[] = [];
  const intEnd: number[] = [];
  const boolStart: number[] = [];
  const boolEnd: number[] = [];
  const viewsBySize: number[][] = [];
  const keptBySize: number[] = [];

  let visited = 0;
  let largestFinished = 0;
  const deadline = t0 + budget.maxSeconds * 1000;
  const tick = (): void => {
    visited++;
    if (visited >= budget.maxPrograms) throw new Stop("max_programs");
    if ((visited & 2047) === 0 && now() > deadline) throw new Stop("max_seconds");
  };

  const scratchI = ints.scratch;
  const scratchB = bools.scratch;

  // Per kept entry: its training error count.
  const intErr: number[] = [];
  const boolErr: number[] = [];
  // Programs equal on the training inputs to a kept zero-error program (pruned from the search, but
  // still candidates: they may differ off the training set).
  const alternatives: { bool: boolean; size: number; op: number; a: number; b: number; p: number }[] = [];
  const probes = probeInputs(inputs, alphabet);
  const zeroKeys = new Set<string>();
  let zeroChecks = 0;
  /** A zero-error program enters the ERM list only if it differs from the earlier ones on the probes. */
  const considerZero = (code: number): void => {
    zeroChecks++;
    const key = probeKey(decode(code), probes);
    if (zeroKeys.has(key)) return;
    zeroKeys.add(key);
    buckets[0]!.push(code);
  };

  // ---- decoding entries back into expressions ----
  const strExpr = (vi: number): StrExpr => views[vi]!.expr;
  const intNode = (op: number, a: number, b: number, p: number): IntExpr => {
    switch (op) {
      case I_CONST:
        return { op: "const", v: p };
      case I_LEN:
        return { op: "len", s: strExpr(a) };
      case I_COUNT:
        return { op: "count", s: strExpr(a), c: alphabet[p]! };
      case I_INTMOD:
        return { op: "intmod", s: strExpr(a), m: p };
      case I_GSUM:
        return { op: "gsum", idx: gathers[p]!.idx, c: gathers[p]!.c };
      case I_ADD:
        return { op: "add", a: intExpr(a), b: intExpr(b) };
      case I_SUB:
        return { op: "sub", a: intExpr(a), b: intExpr(b) };
      case I_MUL:
        return { op: "mul", a: intExpr(a), b: intExpr(b) };
      default:
        return { op: "mod", a: intExpr(a), m: p };
    }
  };
  const intExpr = (id: number): IntExpr => intNode(ints.op[id]!, ints.a[id]!, ints.b[id]!, ints.p[id]!);
  const boolNode = (op: number, a: number, b: number, p: number): BoolExpr => {
    switch (op) {
      case B_CHAREQ:
        return { op: "chareq", i: p, c: alphabet[b]! };
      case B_CONTAINS:
        return { op: "contains", t: pool[p]! };
      case B_STREQ:
        return { op: "streq", a: strExpr(a), b: strExpr(b) };
      case B_IEQ:
        return { op: "ieq", a: intExpr(a), b: intExpr(b) };
      case B_ILT:
        return { op: "ilt", a: intExpr(a), b: intExpr(b) };
      case B_NOT:
        return { op: "not", a: boolExpr(a) };
      case B_AND:
        return { op: "and", a: boolExpr(a), b: boolExpr(b) };
      case B_OR:
        return { op: "or", a: boolExpr(a), b: boolExpr(b) };
      default:
        return { op: "xor", a: boolExpr(a), b: boolExpr(b) };
    }
  };
  const boolExpr = (id: number): BoolExpr =>
    boolNode(bools.op[id]!, bools.a[id]!, bools.b[id]!, bools.p[id]!);
  function decode(code: number): Program {
    const i = code >>> 2;
    const tag = code & 3;
    if (tag === 0) return { type: "int", e: intExpr(i) };
    if (tag === 1) return { type: "bool", e: boolExpr(i) };
    const alt = alternatives[i]!;
    return alt.bool
      ? { type: "bool", e: boolNode(alt.op, alt.a, alt.b, alt.p) }
      : { type: "int", e: intNode(alt.op, alt.a, alt.b, alt.p) };
  }
  const sizeOf = (code: number): number => {
    const i = code >>> 2;
    const tag = code & 3;
    return tag === 0 ? ints.size[i]! : tag === 1 ? bools.size[i]! : alternatives[i]!.size;
  };

  /**
   * A program whose behaviour an earlier one already has is pruned from the search, but if that
   * behaviour fits the training set it stays a candidate: it may differ on new inputs.
   */
  const keepAlternative = (
    dupErr: number,
    bool: boolean,
    size: number,
    op: number,
    a: number,
    b: number,
    p: number,
  ): void => {
    if (dupErr !== 0 || zeroChecks >= MAX_ZERO_CHECKS) return;
    alternatives.push({ bool, size, op, a, b, p });
    considerZero((alternatives.length - 1) * 4 + 2);
  };
  /** A kept program (by its code) goes to the zero-error candidates or to its error bucket. */
  const file = (err: number, code: number): void => {
    if (err === 0) {
      if (zeroChecks < MAX_ZERO_CHECKS) considerZero(code);
    } else buckets[err]!.push(code);
  };
  const addInt = (size: number, op: number, a: number, b: number, p: number): void => {
    const id = ints.insert(size, op, a, b, p);
    if (id < 0) {
      keepAlternative(intErr[~id]!, false, size, op, a, b, p);
      return;
    }
    let err = 0;
    for (let i = 0; i < n; i++) {
      const pred = scratchI[i] !== 0 ? 1 : 0;
      const y = (labels[i >>> 5]! >>> (i & 31)) & 1;
      if (pred !== y) err++;
    }
    intErr.push(err);
    if (onKept) onKept({ type: "int", size, expr: () => intExpr(id) });
    file(err, id * 4);
  };
  const addBool = (size: number, op: number, a: number, b: number, p: number): void => {
    scratchB[W - 1]! &= lastMask;
    const id = bools.insert(size, op, a, b, p);
    if (id < 0) {
      keepAlternative(boolErr[~id]!, true, size, op, a, b, p);
      return;
    }
    let err = 0;
    for (let w = 0; w < W; w++) err += popcount(scratchB[w]! ^ labels[w]!);
    boolErr.push(err);
    if (onKept) onKept({ type: "bool", size, expr: () => boolExpr(id) });
    file(err, id * 4 + 1);
  };
  /** Fills the Bool scratch from a per-example predicate. */
  const fillBool = (pred: (i: number) => boolean): void => {
    scratchB.fill(0);
    for (let i = 0; i < n; i++) if (pred(i)) scratchB[i >>> 5]! |= 1 << (i & 31);
  };

  const addView = (expr: StrExpr, size: number): void => {
    tick();
    const vals = inputs.map((x) => viewOf(expr, x));
    const key = vals.join("\u0000");
    if (viewKeys.has(key)) return;
    viewKeys.add(key);
    views.push({ expr, size, vals });
    if (onKept) onKept({ type: "str", size, expr: () => expr });
    viewsBySize[size]!.push(views.length - 1);
  };

  const level = (s: number): void => {
    viewsBySize[s] = [];
    intStart[s] = ints.count;
    boolStart[s] = bools.count;
    // Str views.
    if (s === 1) addView({ op: "x" }, 1);
    if (s === 2) {
      addView({ op: "rev" }, 2);
      for (let k = 1; k < minLen; k++) addView({ op: "prefix", k }, 2);
      for (let k = 1; k < minLen; k++) addView({ op: "suffix", k }, 2);
    }
    // Int leaves and unary operators over views.
    if (s === 1) {
      for (let v = 0; v < INT_CONSTANTS; v++) {
        tick();
        scratchI.fill(v);
        addInt(1, I_CONST, 0, 0, v);
      }
    }
    for (const vi of viewsBySize[s - 1] ?? []) {
      const vals = views[vi]!.vals;
      tick();
      for (let i = 0; i < n; i++) scratchI[i] = vals[i]!.length;
      addInt(s, I_LEN, vi, 0, 0);
      for (let ci = 0; ci < alphabet.length; ci++) {
        tick();
        const c = alphabet[ci]!;
        for (let i = 0; i < n; i++) scratchI[i] = countChar(vals[i]!, c);
        addInt(s, I_COUNT, vi, 0, ci);
      }
    }
    if (digits) {
      for (const vi of viewsBySize[s - 2] ?? []) {
        const vals = views[vi]!.vals;
        for (const m of MODULI) {
          tick();
          for (let i = 0; i < n; i++) scratchI[i] = intMod(vals[i]!, m);
          addInt(s, I_INTMOD, vi, 0, m);
        }
      }
    }
    const k = s - 1;
    if (k >= 1 && k <= MAX_GATHER && k <= minLen) {
      const chars: (string | null)[] = digits ? [null] : alphabet;
      // Column j of character c: the value each input contributes at position j.
      const columns = chars.map((c) =>
        Array.from({ length: minLen }, (_, j) =>
          Int32Array.from(inputs, (x) => (c === null ? x.charCodeAt(j) - 48 : x[j] === c ? 1 : 0)),
        ),
      );
      forEachCombination(minLen, k, (idx) => {
        for (let ci = 0; ci < chars.length; ci++) {
          const c = chars[ci]!;
          const cols = columns[ci]!;
          tick();
          scratchI.set(cols[idx[0]!]!);
          for (let t = 1; t < idx.length; t++) {
            const col = cols[idx[t]!]!;
            for (let i = 0; i < n; i++) scratchI[i]! += col[i]!;
          }
          gathers.push({ idx: [...idx], c });
          addInt(s, I_GSUM, 0, 0, gathers.length - 1);
        }
      });
    }
    // Bool leaves and string equality.
    if (s === 2) {
      for (let j = 0; j < minLen; j++) {
        for (let ci = 0; ci < alphabet.length; ci++) {
          tick();
          const c = alphabet[ci]!;
          fillBool((i) => inputs[i]![j] === c);
          addBool(2, B_CHAREQ, 0, ci, j);
        }
      }
      for (let t = 0; t < pool.length; t++) {
        tick();
        const sub = pool[t]!;
        fillBool((i) => inputs[i]!.includes(sub));
        addBool(2, B_CONTAINS, 0, 0, t);
      }
    }
    for (let sa = 1; sa <= s - 2; sa++) {
      const sb = s - 1 - sa;
      if (sb < sa) break;
      const va = viewsBySize[sa] ?? [];
      const vb = viewsBySize[sb] ?? [];
      for (let x = 0; x < va.length; x++) {
        for (let y = sa === sb ? x + 1 : 0; y < vb.length; y++) {
          tick();
          const A = views[va[x]!]!.vals;
          const B = views[vb[y]!]!.vals;
          fillBool((i) => A[i] === B[i]);
          addBool(s, B_STREQ, va[x]!, vb[y]!, 0);
        }
      }
    }
    // Unary operators over smaller programs: % m, not.
    if (s >= 2) {
      const lo = intStart[s - 1]!;
      const hi = intEnd[s - 1]!;
      for (const m of MODULI) {
        for (let a = lo; a < hi; a++) {
          tick();
          const A = ints.vector(a);
          for (let i = 0; i < n; i++) {
            const r = A[i]! % m;
            scratchI[i] = r < 0 ? r + m : r;
          }
          addInt(s, I_MOD, a, 0, m);
        }
      }
      const blo = boolStart[s - 1]!;
      const bhi = boolEnd[s - 1]!;
      for (let a = blo; a < bhi; a++) {
        tick();
        const A = bools.vector(a);
        for (let w = 0; w < W; w++) scratchB[w] = ~A[w]!;
        addBool(s, B_NOT, a, 0, 0);
      }
    }
    // Binary operators: operand sizes sa + sb = s - 1.
    for (let sa = 1; sa <= s - 2; sa++) {
      const sb = s - 1 - sa;
      const aLo = intStart[sa]!;
      const aHi = intEnd[sa]!;
      const bLo = intStart[sb]!;
      const bHi = intEnd[sb]!;
      for (let a = aLo; a < aHi; a++) {
        const A = ints.vector(a);
        for (let b = bLo; b < bHi; b++) {
          const B = ints.vector(b);
          const commutativeOk = sa < sb || (sa === sb && a <= b);
          if (commutativeOk) {
            tick();
            if (fillInt(A, B, n, scratchI, 0)) addInt(s, I_ADD, a, b, 0);
            tick();
            if (fillInt(A, B, n, scratchI, 2)) addInt(s, I_MUL, a, b, 0);
          }
          if (a !== b) {
            tick();
            if (fillInt(A, B, n, scratchI, 1)) addInt(s, I_SUB, a, b, 0);
          }
        }
      }
    }
    for (let sa = 1; sa <= s - 2; sa++) {
      const sb = s - 1 - sa;
      const aLo = intStart[sa]!;
      const aHi = intEnd[sa]!;
      const bLo = intStart[sb]!;
      const bHi = intEnd[sb]!;
      for (let a = aLo; a < aHi; a++) {
        const A = ints.vector(a);
        for (let b = bLo; b < bHi; b++) {
          if (a === b) continue;
          const B = ints.vector(b);
          if (sa < sb || (sa === sb && a < b)) {
            tick();
            scratchB.fill(0);
            for (let i = 0; i < n; i++) if (A[i] === B[i]) scratchB[i >>> 5]! |= 1 << (i & 31);
            addBool(s, B_IEQ, a, b, 0);
          }
          tick();
          scratchB.fill(0);
          for (let i = 0; i < n; i++) if (A[i]! < B[i]!) scratchB[i >>> 5]! |= 1 << (i & 31);
          addBool(s, B_ILT, a, b, 0);
        }
      }
    }
    for (let sa = 1; sa <= s - 2; sa++) {
      const sb = s - 1 - sa;
      if (sb < sa) break;
      const aLo = boolStart[sa]!;
      const aHi = boolEnd[sa]!;
      const bLo = boolStart[sb]!;
      const bHi = boolEnd[sb]!;
      for (let a = aLo; a < aHi; a++) {
        const A = bools.vector(a);
        for (let b = sa === sb ? a + 1 : bLo; b < bHi; b++) {
          const B = bools.vector(b);
          tick();
          for (let w = 0; w < W; w++) scratchB[w] = A[w]! & B[w]!;
          addBool(s, B_AND, a, b, 0);
          tick();
          for (let w = 0; w < W; w++) scratchB[w] = A[w]! | B[w]!;
          addBool(s, B_OR, a, b, 0);
          tick();
          for (let w = 0; w < W; w++) scratchB[w] = A[w]! ^ B[w]!;
          addBool(s, B_XOR, a, b, 0);
        }
      }
    }
  };

  let stoppedBy: StopReason = "max_size";
  if (n === 0) stoppedBy = "exhausted";
  else {
    try {
      for (let s = 1; s <= budget.maxSize; s++) {
        const keptBefore = ints.count + bools.count + views.length;
        try {
          level(s);
        } finally {
          intEnd[s] = ints.count;
          boolEnd[s] = bools.count;
          keptBySize[s] = ints.count + bools.count + views.length - keptBefore;
        }
        largestFinished = s;
        if (zeroKeys.size >= budget.proposals) {
          stoppedBy = "solved";
          break;
        }
      }
    } catch (e) {
      if (!(e instanceof Stop)) throw e;
      stoppedBy = e.reason;
    }
  }

  // ERM: fewest training errors, then smallest, then visit order; one program per function on the
  // probe inputs (a rescaled copy of a program is not a new proposal).
  const found: Found[] = [];
  const chosen = new Set<string>();
  for (let err = 0; err <= n && found.length < budget.proposals; err++) {
    let scanned = 0;
    for (const code of buckets[err]!) {
      if (found.length >= budget.proposals || scanned++ >= MAX_SCAN_PER_BUCKET) break;
      const program = decode(code);
      const key = probeKey(program, probes);
      if (chosen.has(key)) continue;
      chosen.add(key);
      found.push({ program, size: sizeOf(code), trainErrors: err });
    }
  }

  return {
    found,
    stats: {
      largest_size_finished: largestFinished,
      behaviours_kept: ints.count + bools.count + views.length,
      programs_visited: visited,
      elapsed_ms: Math.round(now() - t0),
      stopped_by: stoppedBy,
      kept_by_size: Array.from({ length: keptBySize.length }, (_, i) => keptBySize[i] ?? 0),
    },
  };
}

/** op 0: a + b, 1: a - b, 2: a * b into out; false when a value leaves int32. */
function fillInt(A: Int32Array, B: Int32Array, n: number, out: Int32Array, op: number): boolean {
  for (let i = 0; i < n; i++) {
    const v = op === 0 ? A[i]! + B[i]! : op === 1 ? A[i]! - B[i]! : A[i]! * B[i]!;
    if (v > INT_MAX || v < -INT_MAX) return false;
    out[i] = v;
  }
  return true;
}

function popcount(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** Calls fn with every k-subset of 0..n-1 in lexicographic order (the array is reused). */
function forEachCombination(n: number, k: number, fn: (idx: readonly number[]) => void): void {
  const idx = Array.from({ length: k }, (_, i) => i);
  for (;;) {
    fn(idx);
    let i = k - 1;
    while (i >= 0 && idx[i] === n - k + i) i--;
    if (i < 0) return;
    idx[i]!++;
    for (let j = i + 1; j < k; j++) idx[j] = idx[j - 1]! + 1;
  }
}

/**
 * Unlabelled probe inputs: uniform strings over the training alphabet, with lengths of training
 * inputs, from a fixed seed. They only tell apart programs that agree on the training set.
 */
function probeInputs(inputs: readonly string[], alphabet: readonly string[], count = 64): string[] {
  if (inputs.length === 0 || alphabet.length === 0) return [];
  let state = 0x2545f491;
  const next = (k: number): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % k;
  };
  return Array.from({ length: count }, () => {
    const len = inputs[next(inputs.length)]!.length;
    let x = "";
    for (let i = 0; i < len; i++) x += alphabet[next(alphabet.length)]!;
    return x;
  });
}

/** The program's labels on the probes ("E" where it fails), as a string key. */
function probeKey(p: Program, probes: readonly string[]): string {
  let key = "";
  for (const x of probes) {
    try {
      key += predictLabel(p, x);
    } catch {
      key += "E";
    }
  }
  return key;
}
