/**
 * The operator table: the enumerator's whole grammar, one entry per production. An entry says what
 * the production builds (its result type and shape), how the search enumerates it (its parameters and
 * its vectorised evaluation over the training inputs, with the pruning facts of binary operators),
 * how one program is evaluated on one input, its Python, its compact form and its size. The search,
 * the evaluator, the Python emitter and the pretty printer all read this table; a new operator is one
 * entry here (and its node in ast.ts, which the table's type then requires).
 *
 * The table's order is the enumeration order within a size level; consecutive entries of the same
 * shape and operand type share one loop over operands (docs/enumerator.md).
 */
import type { BoolExpr, IntExpr, Node, NodeOf, OpName, StrExpr, ValueType } from "./ast.js";
import { countChar, gatherSum, INT_MAX, intBinary, intMod, pyMod } from "./semantics.js";

/** Modulus constants of `% m` and `int(s) % m`; integer constants are 0..9. */
export const MODULI = [2, 3, 4, 5, 6, 7, 8, 9] as const;
export const INT_CONSTANTS = 10;
/** Largest number of positions a gathered sum reads. */
export const MAX_GATHER = 3;

/** Thrown where Python would raise (an index past the end of x) or an integer leaves int32. */
export class EvaluationError extends Error {
  override readonly name = "EvaluationError";
}

export type Value = string | number | boolean;

/** Renders a node's operands (as Python or in the compact form). */
export interface Renderer {
  str(e: StrExpr): string;
  int(e: IntExpr): string;
  bool(e: BoolExpr): string;
  /** Parenthesises a compound text unless it is the whole expression. */
  wrap(text: string): string;
}

/** Evaluates a node's operands on one input. */
export interface Evaluator {
  str(e: StrExpr, x: string): string;
  int(e: IntExpr, x: string): number;
  bool(e: BoolExpr, x: string): boolean;
}

export interface Sizer {
  str(e: StrExpr): number;
  int(e: IntExpr): number;
  bool(e: BoolExpr): number;
}

/** What the search knows of the training inputs when it enumerates. */
export interface SearchContext {
  readonly inputs: readonly string[];
  /** Characters seen in the training inputs, sorted. */
  readonly alphabet: readonly string[];
  /** Substring constants (constant-pool.ts). */
  readonly pool: readonly string[];
  readonly minLen: number;
  readonly maxLen: number;
  /** Every training input is a digit string Python's int() reads. */
  readonly digits: boolean;
  /** The training inputs do not all have one length. */
  readonly variableLength: boolean;
}

/** Shape of a candidate vector: Int, one int32 per input; Bool, a bitset of `words` 32-bit words. */
export interface Dims {
  readonly n: number;
  readonly words: number;
}

/** A candidate's operand vectors: a Str view's values, or an Int / Bool vector. */
export type Vector = Int32Array | readonly string[];

interface Common<N> {
  readonly type: ValueType;
  readonly python: (e: N, r: Renderer) => string;
  readonly pretty: (e: N, r: Renderer) => string;
  readonly evaluate: (e: N, x: string, ev: Evaluator) => Value;
  readonly size: (e: N, s: Sizer) => number;
}

/** A Str view of x of size `cost`. */
interface ViewShape<N> extends Common<N> {
  readonly shape: "view";
  readonly cost: number;
  params(ctx: SearchContext): readonly unknown[];
  node(p: unknown): N;
}

/** A function of one Str view: size `cost` + the view's size. */
interface OfViewShape<N> extends Common<N> {
  readonly shape: "ofView";
  readonly cost: number;
  params(ctx: SearchContext): readonly unknown[];
  node(s: StrExpr, p: unknown): N;
  /** Fills out from the view's values; false drops the candidate. */
  fill(vals: readonly string[], p: unknown, out: Int32Array, d: Dims): boolean;
}

/** A leaf over x that enumerates its own parameters per size (it fills out, then calls emit). */
interface LeafShape<N> extends Common<N> {
  readonly shape: "leaf";
  enumerate(ctx: SearchContext, size: number, out: Int32Array, d: Dims, emit: (p: unknown) => void): void;
  node(p: unknown): N;
}

/** op(a) with a parameter: size 1 + |a|. */
interface UnaryShape<N> extends Common<N> {
  readonly shape: "unary";
  readonly operand: "int" | "bool";
  params(ctx: SearchContext): readonly unknown[];
  node(a: Node, p: unknown): N;
  fill(A: Int32Array, p: unknown, out: Int32Array, d: Dims): boolean;
}

/** a op b: size 1 + |a| + |b|. */
interface BinaryShape<N> extends Common<N> {
  readonly shape: "binary";
  readonly operand: ValueType;
  /** a op b == b op a: each unordered pair is built once (smaller size, then smaller id, first). */
  readonly commutative: boolean;
  /** a op a can be new: when false, pairs of one operand with itself are skipped. */
  readonly reflexive: boolean;
  node(a: Node, b: Node): N;
  fill(A: Vector, B: Vector, out: Int32Array, d: Dims): boolean;
}

export type Operator<N = Node> =
  | ViewShape<N>
  | OfViewShape<N>
  | LeafShape<N>
  | UnaryShape<N>
  | BinaryShape<N>;

// ---- typed constructors (the one place a parameter's type is erased) ----

type Base<N> = Omit<Common<N>, "type">;

function view<N extends StrExpr, P>(
  spec: Base<N> & { cost: number; params: (ctx: SearchContext) => readonly P[]; node: (p: P) => N },
): ViewShape<N> {
  return { ...spec, type: "str", shape: "view", node: (p) => spec.node(p as P) };
}

function ofView<N extends IntExpr | BoolExpr, P>(
  spec: Base<N> & {
    type: "int" | "bool";
    cost: number;
    params: (ctx: SearchContext) => readonly P[];
    node: (s: StrExpr, p: P) => N;
    fill: (vals: readonly string[], p: P, out: Int32Array, d: Dims) => boolean;
  },
): OfViewShape<N> {
  return {
    ...spec,
    shape: "ofView",
    node: (s, p) => spec.node(s, p as P),
    fill: (vals, p, out, d) => spec.fill(vals, p as P, out, d),
  };
}

function leaf<N extends IntExpr | BoolExpr, P>(
  spec: Base<N> & {
    type: "int" | "bool";
    enumerate: (ctx: SearchContext, size: number, out: Int32Array, d: Dims, emit: (p: P) => void) => void;
    node: (p: P) => N;
  },
): LeafShape<N> {
  return { ...spec, shape: "leaf", node: (p) => spec.node(p as P) };
}

function unary<N extends IntExpr | BoolExpr, A extends Node, P>(
  spec: Base<N> & {
    type: "int" | "bool";
    operand: "int" | "bool";
    params: (ctx: SearchContext) => readonly P[];
    node: (a: A, p: P) => N;
    fill: (A: Int32Array, p: P, out: Int32Array, d: Dims) => boolean;
  },
): UnaryShape<N> {
  return {
    ...spec,
    shape: "unary",
    node: (a, p) => spec.node(a as A, p as P),
    fill: (A, p, out, d) => spec.fill(A, p as P, out, d),
  };
}

function binary<N, A extends Node, V extends Vector>(
  spec: Base<N> & {
    type: "int" | "bool";
    operand: ValueType;
    commutative: boolean;
    reflexive: boolean;
    node: (a: A, b: A) => N;
    fill: (A: V, B: V, out: Int32Array, d: Dims) => boolean;
  },
): BinaryShape<N> {
  return {
    ...spec,
    shape: "binary",
    node: (a, b) => spec.node(a as A, b as A),
    fill: (A, B, out, d) => spec.fill(A as V, B as V, out, d),
  };
}

// ---- helpers shared by entries ----

/** A Python string literal: single quotes when that needs no escaping, else a JSON (double-quoted) one. */
export function pyString(s: string): string {
  return /^[A-Za-z0-9 _.,;:!?+\-*/=<>()[\]{}#@$%^&|~]*$/.test(s) ? `'${s}'` : JSON.stringify(s);
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
const NONE: readonly undefined[] = [undefined];

/** Sets bit i of the bitset out for each input where pred holds (out cleared first). */
function bits(out: Int32Array, d: Dims, pred: (i: number) => boolean): void {
  out.fill(0);
  for (let i = 0; i < d.n; i++) if (pred(i)) out[i >>> 5]! |= 1 << (i & 31);
}

/** a op b into out; false when a value leaves int32. */
function intFill(op: "add" | "sub" | "mul") {
  return (A: Int32Array, B: Int32Array, out: Int32Array, d: Dims): boolean => {
    for (let i = 0; i < d.n; i++) {
      const v = op === "add" ? A[i]! + B[i]! : op === "sub" ? A[i]! - B[i]! : A[i]! * B[i]!;
      if (v > INT_MAX || v < -INT_MAX) return false;
      out[i] = v;
    }
    return true;
  };
}

function intArith<K extends "add" | "sub" | "mul">(op: K, symbol: string, commutative: boolean) {
  type N = { readonly op: K; readonly a: IntExpr; readonly b: IntExpr };
  return binary<N, IntExpr, Int32Array>({
    type: "int",
    operand: "int",
    commutative,
    reflexive: op !== "sub",
    node: (a, b) => ({ op, a, b }) as N,
    fill: intFill(op),
    evaluate: (e, x, ev) => {
      const v = intBinary(op, ev.int(e.a, x), ev.int(e.b, x));
      if (Number.isNaN(v)) throw new EvaluationError(`integer beyond ${INT_MAX}`);
      return v;
    },
    python: (e, r) => r.wrap(`${r.int(e.a)} ${symbol} ${r.int(e.b)}`),
    pretty: (e, r) => `(${r.int(e.a)}${symbol}${r.int(e.b)})`,
    size: (e, s) => 1 + s.int(e.a) + s.int(e.b),
  });
}

function connective<K extends "and" | "or" | "xor">(op: K, python: string, pretty: string) {
  type N = { readonly op: K; readonly a: BoolExpr; readonly b: BoolExpr };
  return binary<N, BoolExpr, Int32Array>({
    type: "bool",
    operand: "bool",
    commutative: true,
    reflexive: false,
    node: (a, b) => ({ op, a, b }) as N,
    fill: (A, B, out, d) => {
      for (let w = 0; w < d.words; w++)
        out[w] = op === "and" ? A[w]! & B[w]! : op === "or" ? A[w]! | B[w]! : A[w]! ^ B[w]!;
      return true;
    },
    evaluate: (e, x, ev) =>
      op === "and"
        ? ev.bool(e.a, x) && ev.bool(e.b, x)
        : op === "or"
          ? ev.bool(e.a, x) || ev.bool(e.b, x)
          : ev.bool(e.a, x) !== ev.bool(e.b, x),
    python: (e, r) => r.wrap(`${r.bool(e.a)} ${python} ${r.bool(e.b)}`),
    pretty: (e, r) => `(${r.bool(e.a)} ${pretty} ${r.bool(e.b)})`,
    size: (e, s) => 1 + s.bool(e.a) + s.bool(e.b),
  });
}

function checkIndex(i: number, x: string): void {
  if (i >= x.length) throw new EvaluationError(`index ${i} out of range`);
}

/** A view x[from(len):to(len)], only when the training inputs differ in length. */
function variableView<N extends StrExpr, P>(spec: {
  params: (ctx: SearchContext) => readonly P[];
  node: (p: P) => N;
  slice: (e: N, x: string) => string;
  python: (e: N) => string;
}): ViewShape<N> {
  return view<N, P>({
    cost: 2,
    params: (ctx) => (ctx.variableLength ? spec.params(ctx) : []),
    node: spec.node,
    evaluate: (e, x) => spec.slice(e, x),
    python: (e) => spec.python(e),
    pretty: (e) => spec.python(e),
    size: () => 2,
  });
}

type OperatorTable = { readonly [K in OpName]: Operator<NodeOf<K>> };

/** The grammar. Its key order is the enumeration order within a size level. */
export const OPERATORS: OperatorTable = {
  // ---- Str views (a view of size s is built at level s) ----
  x: view({
    cost: 1,
    params: () => NONE,
    node: () => ({ op: "x" }),
    evaluate: (_e, x) => x,
    python: () => "x",
    pretty: () => "x",
    size: () => 1,
  }),
  rev: view({
    cost: 2,
    params: () => NONE,
    node: () => ({ op: "rev" }),
    evaluate: (_e, x) => [...x].reverse().join(""),
    python: () => "x[::-1]",
    pretty: () => "rev(x)",
    size: () => 2,
  }),
  prefix: view({
    cost: 2,
    params: (ctx) => range(1, ctx.minLen),
    node: (k) => ({ op: "prefix", k }),
    evaluate: (e, x) => x.slice(0, e.k),
    python: (e) => `x[:${e.k}]`,
    pretty: (e) => `x[:${e.k}]`,
    size: () => 2,
  }),
  suffix: view({
    cost: 2,
    params: (ctx) => range(1, ctx.minLen),
    node: (k) => ({ op: "suffix", k }),
    evaluate: (e, x) => x.slice(e.k),
    python: (e) => `x[${e.k}:]`,
    pretty: (e) => `x[${e.k}:]`,
    size: () => 2,
  }),
  drop_last: variableView({
    params: (ctx) => range(1, ctx.minLen),
    node: (k) => ({ op: "drop_last", k }),
    slice: (e, x) => x.slice(0, -e.k),
    python: (e) => `x[:-${e.k}]`,
  }),
  last: variableView({
    params: (ctx) => range(1, ctx.minLen),
    node: (k) => ({ op: "last", k }),
    slice: (e, x) => x.slice(-e.k),
    python: (e) => `x[-${e.k}:]`,
  }),
  first_half: variableView({
    params: () => NONE,
    node: () => ({ op: "first_half" }),
    slice: (_e, x) => x.slice(0, Math.floor(x.length / 2)),
    python: () => "x[:len(x) // 2]",
  }),
  second_half: variableView({
    params: () => NONE,
    node: () => ({ op: "second_half" }),
    slice: (_e, x) => x.slice(Math.floor(x.length / 2)),
    python: () => "x[len(x) // 2:]",
  }),

  // ---- functions of one view (cost 1 over the view, then cost 2) ----
  len: ofView({
    type: "int",
    cost: 1,
    params: () => NONE,
    node: (s) => ({ op: "len", s }),
    fill: (vals, _p, out, d) => {
      for (let i = 0; i < d.n; i++) out[i] = vals[i]!.length;
      return true;
    },
    evaluate: (e, x, ev) => ev.str(e.s, x).length,
    python: (e, r) => `len(${r.str(e.s)})`,
    pretty: (e, r) => `len(${r.str(e.s)})`,
    size: (e, s) => 1 + s.str(e.s),
  }),
  count: ofView({
    type: "int",
    cost: 1,
    params: (ctx) => ctx.alphabet,
    node: (s, c) => ({ op: "count", s, c }),
    fill: (vals, c, out, d) => {
      for (let i = 0; i < d.n; i++) out[i] = countChar(vals[i]!, c);
      return true;
    },
    evaluate: (e, x, ev) => countChar(ev.str(e.s, x), e.c),
    python: (e, r) => `${r.str(e.s)}.count(${pyString(e.c)})`,
    pretty: (e, r) => `count(${r.str(e.s)},${JSON.stringify(e.c)})`,
    size: (e, s) => 1 + s.str(e.s),
  }),
  intmod: ofView<IntExpr & { op: "intmod" }, number>({
    type: "int",
    cost: 2,
    params: (ctx) => (ctx.digits ? MODULI : []),
    node: (s, m) => ({ op: "intmod", s, m }),
    fill: (vals, m, out, d) => {
      for (let i = 0; i < d.n; i++) out[i] = intMod(vals[i]!, m);
      return true;
    },
    evaluate: (e, x, ev) => {
      const v = ev.str(e.s, x);
      // Python's int() raises on an empty or non-digit string (the search only sees digit strings).
      if (!/^[0-9]+$/.test(v)) throw new EvaluationError(`int() of ${JSON.stringify(v)}`);
      return intMod(v, e.m);
    },
    python: (e, r) => r.wrap(`int(${r.str(e.s)}) % ${e.m}`),
    pretty: (e, r) => `int(${r.str(e.s)})%${e.m}`,
    size: (e, s) => 2 + s.str(e.s),
  }),

  // ---- leaves over x ----
  const: leaf<IntExpr & { op: "const" }, number>({
    type: "int",
    enumerate: (_ctx, size, out, _d, emit) => {
      if (size !== 1) return;
      for (let v = 0; v < INT_CONSTANTS; v++) {
        out.fill(v);
        emit(v);
      }
    },
    node: (v) => ({ op: "const", v }),
    evaluate: (e) => e.v,
    python: (e) => String(e.v),
    pretty: (e) => String(e.v),
    size: () => 1,
  }),
  gsum: leaf<IntExpr & { op: "gsum" }, { idx: number[]; c: string | null }>({
    type: "int",
    enumerate: (ctx, size, out, d, emit) => {
      const k = size - 1;
      if (k < 1 || k > MAX_GATHER || k > ctx.minLen) return;
      const chars: (string | null)[] = ctx.digits ? [null] : [...ctx.alphabet];
      // Column j of character c: the value each input contributes at position j.
      const columns = chars.map((c) =>
        Array.from({ length: ctx.minLen }, (_, j) =>
          Int32Array.from(ctx.inputs, (x) => (c === null ? x.charCodeAt(j) - 48 : x[j] === c ? 1 : 0)),
        ),
      );
      forEachCombination(ctx.minLen, k, (idx) => {
        for (let ci = 0; ci < chars.length; ci++) {
          const cols = columns[ci]!;
          out.set(cols[idx[0]!]!);
          for (let t = 1; t < idx.length; t++) {
            const col = cols[idx[t]!]!;
            for (let i = 0; i < d.n; i++) out[i]! += col[i]!;
          }
          emit({ idx: [...idx], c: chars[ci]! });
        }
      });
    },
    node: (p) => ({ op: "gsum", idx: p.idx, c: p.c }),
    evaluate: (e, x) => {
      for (const i of e.idx) checkIndex(i, x);
      return gatherSum(x, e.idx, e.c);
    },
    python: (e, r) => {
      const terms = e.idx.map((i) => (e.c === null ? `int(x[${i}])` : `(x[${i}] == ${pyString(e.c)})`));
      if (terms.length === 1) return e.c === null ? terms[0]! : `int${terms[0]!}`;
      return r.wrap(terms.join(" + "));
    },
    pretty: (e) =>
      e.c === null ? `sum(x@${e.idx.join(",")})` : `sum(x@${e.idx.join(",")}==${JSON.stringify(e.c)})`,
    size: (e) => 1 + e.idx.length,
  }),
  chareq: leaf<BoolExpr & { op: "chareq" }, { i: number; c: string }>({
    type: "bool",
    enumerate: (ctx, size, out, d, emit) => {
      if (size !== 2) return;
      for (let j = 0; j < ctx.minLen; j++) {
        for (const c of ctx.alphabet) {
          bits(out, d, (i) => ctx.inputs[i]![j] === c);
          emit({ i: j, c });
        }
      }
    },
    node: (p) => ({ op: "chareq", i: p.i, c: p.c }),
    evaluate: (e, x) => {
      checkIndex(e.i, x);
      return x[e.i] === e.c;
    },
    python: (e, r) => r.wrap(`x[${e.i}] == ${pyString(e.c)}`),
    pretty: (e) => `x[${e.i}]==${JSON.stringify(e.c)}`,
    size: () => 2,
  }),
  contains: leaf<BoolExpr & { op: "contains" }, string>({
    type: "bool",
    enumerate: (ctx, size, out, d, emit) => {
      if (size !== 2) return;
      for (const t of ctx.pool) {
        bits(out, d, (i) => ctx.inputs[i]!.includes(t));
        emit(t);
      }
    },
    node: (t) => ({ op: "contains", t }),
    evaluate: (e, x) => x.includes(e.t),
    python: (e, r) => r.wrap(`${pyString(e.t)} in x`),
    pretty: (e) => `${JSON.stringify(e.t)} in x`,
    size: () => 2,
  }),
  chareq_end: leaf<BoolExpr & { op: "chareq_end" }, { i: number; c: string }>({
    type: "bool",
    enumerate: (ctx, size, out, d, emit) => {
      if (size !== 2 || !ctx.variableLength) return;
      for (let j = 1; j <= ctx.minLen; j++) {
        for (const c of ctx.alphabet) {
          bits(out, d, (i) => ctx.inputs[i]!.at(-j) === c);
          emit({ i: j, c });
        }
      }
    },
    node: (p) => ({ op: "chareq_end", i: p.i, c: p.c }),
    evaluate: (e, x) => {
      checkIndex(e.i - 1, x);
      return x[x.length - e.i] === e.c;
    },
    python: (e, r) => r.wrap(`x[-${e.i}] == ${pyString(e.c)}`),
    pretty: (e) => `x[-${e.i}]==${JSON.stringify(e.c)}`,
    size: () => 2,
  }),

  // ---- string equality of two views ----
  streq: binary<BoolExpr & { op: "streq" }, StrExpr, readonly string[]>({
    type: "bool",
    operand: "str",
    commutative: true,
    reflexive: false,
    node: (a, b) => ({ op: "streq", a, b }),
    fill: (A, B, out, d) => {
      bits(out, d, (i) => A[i] === B[i]);
      return true;
    },
    evaluate: (e, x, ev) => ev.str(e.a, x) === ev.str(e.b, x),
    python: (e, r) => r.wrap(`${r.str(e.a)} == ${r.str(e.b)}`),
    pretty: (e, r) => `${r.str(e.a)}==${r.str(e.b)}`,
    size: (e, s) => 1 + s.str(e.a) + s.str(e.b),
  }),

  // ---- unary operators (each modulus over every operand, then the next) ----
  mod: unary<IntExpr & { op: "mod" }, IntExpr, number>({
    type: "int",
    operand: "int",
    params: () => MODULI,
    node: (a, m) => ({ op: "mod", a, m }),
    fill: (A, m, out, d) => {
      for (let i = 0; i < d.n; i++) {
        const r = A[i]! % m;
        out[i] = r < 0 ? r + m : r;
      }
      return true;
    },
    evaluate: (e, x, ev) => pyMod(ev.int(e.a, x), e.m),
    python: (e, r) => r.wrap(`${r.int(e.a)} % ${e.m}`),
    pretty: (e, r) => `(${r.int(e.a)}%${e.m})`,
    size: (e, s) => 1 + s.int(e.a),
  }),
  not: unary<BoolExpr & { op: "not" }, BoolExpr, undefined>({
    type: "bool",
    operand: "bool",
    params: () => NONE,
    node: (a) => ({ op: "not", a }),
    fill: (A, _p, out, d) => {
      for (let w = 0; w < d.words; w++) out[w] = ~A[w]!;
      return true;
    },
    evaluate: (e, x, ev) => !ev.bool(e.a, x),
    python: (e, r) => r.wrap(`not ${r.bool(e.a)}`),
    pretty: (e, r) => `!(${r.bool(e.a)})`,
    size: (e, s) => 1 + s.bool(e.a),
  }),

  // ---- binary operators: one loop over operand pairs per group, the group's entries per pair ----
  add: intArith("add", "+", true),
  mul: intArith("mul", "*", true),
  sub: intArith("sub", "-", false),
  ieq: binary<BoolExpr & { op: "ieq" }, IntExpr, Int32Array>({
    type: "bool",
    operand: "int",
    commutative: true,
    reflexive: false,
    node: (a, b) => ({ op: "ieq", a, b }),
    fill: (A, B, out, d) => {
      out.fill(0);
      for (let i = 0; i < d.n; i++) if (A[i] === B[i]) out[i >>> 5]! |= 1 << (i & 31);
      return true;
    },
    evaluate: (e, x, ev) => ev.int(e.a, x) === ev.int(e.b, x),
    python: (e, r) => r.wrap(`${r.int(e.a)} == ${r.int(e.b)}`),
    pretty: (e, r) => `${r.int(e.a)}==${r.int(e.b)}`,
    size: (e, s) => 1 + s.int(e.a) + s.int(e.b),
  }),
  ilt: binary<BoolExpr & { op: "ilt" }, IntExpr, Int32Array>({
    type: "bool",
    operand: "int",
    commutative: false,
    reflexive: false,
    node: (a, b) => ({ op: "ilt", a, b }),
    fill: (A, B, out, d) => {
      out.fill(0);
      for (let i = 0; i < d.n; i++) if (A[i]! < B[i]!) out[i >>> 5]! |= 1 << (i & 31);
      return true;
    },
    evaluate: (e, x, ev) => ev.int(e.a, x) < ev.int(e.b, x),
    python: (e, r) => r.wrap(`${r.int(e.a)} < ${r.int(e.b)}`),
    pretty: (e, r) => `${r.int(e.a)}<${r.int(e.b)}`,
    size: (e, s) => 1 + s.int(e.a) + s.int(e.b),
  }),
  and: connective("and", "and", "&"),
  or: connective("or", "or", "|"),
  xor: connective("xor", "!=", "^"),
};

/** The table's entries in enumeration order; an entry's index is its op code in the search. */
export const OPERATOR_LIST: readonly (readonly [OpName, Operator])[] = Object.entries(OPERATORS) as [
  OpName,
  Operator,
][];

/** The entry of a node's op. */
export function operatorOf<N extends Node>(e: N): Operator<N> {
  return OPERATORS[e.op] as unknown as Operator<N>;
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
