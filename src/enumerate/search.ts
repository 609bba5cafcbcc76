/**
 * Bottom-up enumeration by size with observational-equivalence pruning on the training inputs: each
 * size level builds every program of that size from the behaviours kept at smaller sizes, and keeps
 * a program only when its behaviour vector (its values on the training inputs) is new for its type.
 * Pure and synchronous: the proposer runs it in a worker thread.
 */
import type { BoolExpr, IntExpr, Label, Node, Program, StrExpr, ValueType } from "./ast.js";
import { substringPool } from "./constant-pool.js";
import { predict, viewOf } from "./evaluate.js";
import { programSize } from "./expr.js";
import { labelSpace } from "./label-space.js";
import { type Dims, OPERATOR_LIST, type Operator, type SearchContext, type Vector } from "./operators.js";
import { VectorTable } from "./vector-table.js";

export { INT_CONSTANTS, MAX_GATHER, MODULI } from "./operators.js";

/**
 * A training example: an input string and its label, 0/1 or a class (an int or a string). `Example`
 * (core/example.ts) is one.
 */
export interface LabelledInput {
  readonly x: string;
  readonly y: Label;
}

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

/** Zero-error programs checked against the probes during the search, at most. */
const MAX_ZERO_CHECKS = 20_000;
/** Kept Bool behaviours a decision list chooses its tests from (the first, so the smallest), at most. */
const MAX_RULE_TESTS = 50_000;
/** Entries of one error bucket examined when choosing the proposals, at most. */
const MAX_SCAN_PER_BUCKET = 20_000;

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

/** One group of consecutive table entries that share a loop over operands (operators.ts). */
interface Family {
  readonly shape: Operator["shape"];
  readonly members: readonly { readonly code: number; readonly op: Operator }[];
}

function familyKey(name: string, op: Operator): string {
  switch (op.shape) {
    case "view":
      return "view";
    case "ofView":
      return `ofView:${op.cost}`;
    case "binary":
      return `binary:${op.operand}:${op.type}`;
    default:
      return `${op.shape}:${name}`;
  }
}

/** The table's entries grouped into families, in table order. */
const FAMILIES: readonly Family[] = (() => {
  const out: { key: string; shape: Operator["shape"]; members: { code: number; op: Operator }[] }[] = [];
  OPERATOR_LIST.forEach(([name, op], code) => {
    const key = familyKey(name, op);
    const last = out.at(-1);
    if (last?.key === key) last.members.push({ code, op });
    else out.push({ key, shape: op.shape, members: [{ code, op }] });
  });
  return out;
})();

/** Python refuses int() of longer digit strings (3.11 int_max_str_digits). */
const PY_INT_MAX_DIGITS = 4300;

/** Runs the search on the training examples under the budget. */
export function search(
  train: readonly LabelledInput[],
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
  const dims: Dims = { n, words: W };
  const space = labelSpace(train.map((e) => e.y));
  const minLen = n === 0 ? 0 : Math.min(...inputs.map((x) => x.length));
  const maxLen = n === 0 ? 0 : Math.max(...inputs.map((x) => x.length));
  const ctx: SearchContext = {
    inputs,
    alphabet: [...new Set(inputs.join(""))].sort(),
    pool: substringPool(inputs),
    minLen,
    maxLen,
    digits: n > 0 && maxLen <= PY_INT_MAX_DIGITS && inputs.every((x) => /^[0-9]+$/.test(x)),
    variableLength: minLen !== maxLen,
  };
  const params = OPERATOR_LIST.map(([, op]) => ("params" in op ? op.params(ctx) : []));

  const tables = { int: new VectorTable(n), bool: new VectorTable(W) } as const;
  const views: View[] = [];
  const viewKeys = new Set<string>();
  /** Parameters of kept entries (a table entry's `p` indexes this; -1: none). */
  const paramStore: unknown[] = [];
  // ERM buckets per training error count, in visit (so size) order. Entry = index * 4 + tag, tag 0: a
  // kept Int, 1: a kept Bool, 2: an alternative (below).
  const buckets: number[][] = Array.from({ length: n + 1 }, () => []);
  // Level ranges per type: ids of size s are [start[s], end[s]).
  const start: Record<ValueType, number[]> = { str: [], int: [], bool: [] };
  const end: Record<ValueType, number[]> = { str: [], int: [], bool: [] };
  const keptBySize: number[] = [];
  const count = (type: ValueType): number => (type === "str" ? views.length : tables[type].count);

  let visited = 0;
  let largestFinished = 0;
  const deadline = t0 + budget.maxSeconds * 1000;
  const tick = (): void => {
    visited++;
    if (visited >= budget.maxPrograms) throw new Stop("max_programs");
    if ((visited & 2047) === 0 && now() > deadline) throw new Stop("max_seconds");
  };

  // Per kept entry: its training error count.
  const errors = { int: [] as number[], bool: [] as number[] };
  // Programs equal on the training inputs to a kept zero-error program (pruned from the search, but
  // still candidates: they may differ off the training set). `same`: the kept entry they equal.
  const alternatives: {
    type: "int" | "bool";
    size: number;
    code: number;
    a: number;
    b: number;
    param: unknown;
    same: number;
  }[] = [];
  const probes = probeInputs(inputs, ctx.alphabet);
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
  const operand = (type: ValueType, id: number): Node =>
    type === "str" ? views[id]!.expr : entryExpr(type, id);
  const node = (code: number, a: number, b: number, param: unknown): Node => {
    const op = OPERATOR_LIST[code]![1];
    switch (op.shape) {
      case "view":
      case "leaf":
        return op.node(param);
      case "ofView":
        return op.node(views[a]!.expr, param);
      case "unary":
        return op.node(operand(op.operand, a), param);
      case "binary":
        return op.node(operand(op.operand, a), operand(op.operand, b));
    }
  };
  const entryExpr = (type: "int" | "bool", id: number): Node => {
    const t = tables[type];
    return node(t.op[id]!, t.a[id]!, t.b[id]!, paramStore[t.p[id]!]);
  };
  const intExpr = (id: number): IntExpr => entryExpr("int", id) as IntExpr;
  const boolExpr = (id: number): BoolExpr => entryExpr("bool", id) as BoolExpr;
  const program = (type: "int" | "bool", e: Node, id: number): Program =>
    space.program(
      type === "int" ? { type, e: e as IntExpr } : { type, e: e as BoolExpr },
      tables[type].vector(id),
    );
  function decode(code: number): Program {
    const i = code >>> 2;
    const tag = code & 3;
    if (tag === 0) return program("int", intExpr(i), i);
    if (tag === 1) return program("bool", boolExpr(i), i);
    const alt = alternatives[i]!;
    return program(alt.type, node(alt.code, alt.a, alt.b, alt.param), alt.same);
  }
  const sizeOf = (code: number): number => {
    const i = code >>> 2;
    const tag = code & 3;
    return tag === 0 ? tables.int.size[i]! : tag === 1 ? tables.bool.size[i]! : alternatives[i]!.size;
  };

  /** A kept program (by its code) goes to the zero-error candidates or to its error bucket. */
  const file = (err: number, code: number): void => {
    if (err === 0) {
      if (zeroChecks < MAX_ZERO_CHECKS) considerZero(code);
    } else buckets[err]!.push(code);
  };
  /**
   * Offers the candidate in the type's scratch vector. A program whose behaviour an earlier one
   * already has is pruned from the search, but if that behaviour fits the training set it stays a
   * candidate: it may differ on new inputs.
   */
  const add = (
    type: "int" | "bool",
    size: number,
    code: number,
    a: number,
    b: number,
    param: unknown,
  ): void => {
    const t = tables[type];
    if (type === "bool") t.scratch[W - 1]! &= lastMask;
    const id = t.insert(size, code, a, b, -1);
    if (id < 0) {
      if (errors[type][~id] !== 0 || zeroChecks >= MAX_ZERO_CHECKS) return;
      alternatives.push({ type, size, code, a, b, param, same: ~id });
      considerZero((alternatives.length - 1) * 4 + 2);
      return;
    }
    if (param !== undefined) t.p[id] = paramStore.push(param) - 1;
    const err = type === "int" ? space.intErrors(t.scratch) : space.boolErrors(t.scratch);
    errors[type].push(err);
    if (onKept) {
      if (type === "int") onKept({ type, size, expr: () => intExpr(id) });
      else onKept({ type, size, expr: () => boolExpr(id) });
    }
    file(err, id * 4 + (type === "int" ? 0 : 1));
  };

  const addView = (expr: StrExpr, size: number): void => {
    tick();
    const vals = inputs.map((x) => viewOf(expr, x));
    const key = vals.join("\u0000");
    if (viewKeys.has(key)) return;
    viewKeys.add(key);
    views.push({ expr, size, vals });
    if (onKept) onKept({ type: "str", size, expr: () => expr });
  };

  const vector = (type: ValueType, id: number): Vector =>
    type === "str" ? views[id]!.vals : tables[type].vector(id);

  /** Runs one family at level s: every program of size s its entries build, in table order. */
  const runFamily = (family: Family, s: number): void => {
    const { members } = family;
    switch (family.shape) {
      case "view":
        for (const { code, op } of members) {
          if (op.shape !== "view" || op.cost !== s) continue;
          for (const p of params[code]!) addView(op.node(p) as StrExpr, s);
        }
        return;
      case "ofView": {
        const first = members[0]!.op;
        if (first.shape !== "ofView") return;
        const size = s - first.cost;
        for (let vi = start.str[size] ?? 0; vi < (end.str[size] ?? 0); vi++) {
          const vals = views[vi]!.vals;
          for (const { code, op } of members) {
            if (op.shape !== "ofView") continue;
            const out = tables[op.type === "int" ? "int" : "bool"].scratch;
            for (const p of params[code]!) {
              tick();
              if (op.fill(vals, p, out, dims)) add(op.type === "int" ? "int" : "bool", s, code, vi, 0, p);
            }
          }
        }
        return;
      }
      case "leaf":
        for (const { code, op } of members) {
          if (op.shape !== "leaf") continue;
          const type = op.type === "int" ? "int" : "bool";
          op.enumerate(ctx, s, tables[type].scratch, dims, (p) => {
            tick();
            add(type, s, code, 0, 0, p);
          });
        }
        return;
      case "unary":
        for (const { code, op } of members) {
          if (op.shape !== "unary") continue;
          const type = op.type === "int" ? "int" : "bool";
          const out = tables[type].scratch;
          const from = tables[op.operand];
          for (const p of params[code]!) {
            for (let a = start[op.operand][s - 1] ?? 0; a < (end[op.operand][s - 1] ?? 0); a++) {
              tick();
              if (op.fill(from.vector(a), p, out, dims)) add(type, s, code, a, 0, p);
            }
          }
        }
        return;
      case "binary": {
        const ops = members.flatMap((m) => (m.op.shape === "binary" ? [{ code: m.code, op: m.op }] : []));
        const first = ops[0]!.op;
        const type = first.type === "int" ? "int" : "bool";
        const out = tables[type].scratch;
        const T = first.operand;
        const allCommutative = ops.every((m) => m.op.commutative);
        const noneReflexive = ops.every((m) => !m.op.reflexive);
        for (let sa = 1; sa <= s - 2; sa++) {
          const sb = s - 1 - sa;
          if (allCommutative && sb < sa) break;
          const aHi = end[T][sa] ?? 0;
          const bLo = start[T][sb] ?? 0;
          const bHi = end[T][sb] ?? 0;
          for (let a = start[T][sa] ?? 0; a < aHi; a++) {
            const A = vector(T, a);
            const bFrom = allCommutative && sa === sb ? (noneReflexive ? a + 1 : a) : bLo;
            for (let b = bFrom; b < bHi; b++) {
              if (a === b && noneReflexive) continue;
              const B = vector(T, b);
              for (const { code, op } of ops) {
                if (
                  op.commutative
                    ? sa > sb || (sa === sb && (op.reflexive ? a > b : a >= b))
                    : !op.reflexive && a === b
                ) {
                  continue;
                }
                tick();
                if (op.fill(A, B, out, dims)) add(type, s, code, a, b, undefined);
              }
            }
          }
        }
        return;
      }
    }
  };

  const level = (s: number): void => {
    for (const type of ["str", "int", "bool"] as const) start[type][s] = count(type);
    for (const family of FAMILIES) runFamily(family, s);
  };

  let stoppedBy: StopReason = "max_size";
  if (n === 0) stoppedBy = "exhausted";
  else {
    try {
      for (let s = 1; s <= budget.maxSize; s++) {
        const keptBefore = count("str") + count("int") + count("bool");
        try {
          level(s);
        } finally {
          for (const type of ["str", "int", "bool"] as const) end[type][s] = count(type);
          keptBySize[s] = count("str") + count("int") + count("bool") - keptBefore;
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
      const p = decode(code);
      const key = probeKey(p, probes);
      if (chosen.has(key)) continue;
      chosen.add(key);
      found.push({ program: p, size: sizeOf(code), trainErrors: err });
    }
  }
  // Classes: a decision list over the kept Bool behaviours (the smallest first) joins the ERM order.
  const list = space.decisionList({
    count: Math.min(tables.bool.count, MAX_RULE_TESTS),
    vector: (i) => tables.bool.vector(i),
  });
  if (list !== null) {
    const p: Program = {
      type: "rules",
      rules: list.rules.map((r) => ({ when: boolExpr(r.index), label: r.label })),
      otherwise: list.otherwise,
    };
    const size = programSize(p);
    if (!chosen.has(probeKey(p, probes))) {
      const at = found.findIndex(
        (f) => f.trainErrors > list.errors || (f.trainErrors === list.errors && f.size > size),
      );
      found.splice(at < 0 ? found.length : at, 0, { program: p, size, trainErrors: list.errors });
      if (found.length > budget.proposals) found.pop();
    }
  }

  return {
    found,
    stats: {
      largest_size_finished: largestFinished,
      behaviours_kept: count("str") + count("int") + count("bool"),
      programs_visited: visited,
      elapsed_ms: Math.round(now() - t0),
      stopped_by: stoppedBy,
      kept_by_size: Array.from({ length: keptBySize.length }, (_, i) => keptBySize[i] ?? 0),
    },
  };
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
      key += `${JSON.stringify(predict(p, x))},`;
    } catch {
      key += "E,";
    }
  }
  return key;
}
