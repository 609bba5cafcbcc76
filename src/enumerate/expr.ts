/**
 * The enumerator's expression language (docs/enumerator.md is the grammar with its costs). Three
 * types: Str (views of the input x), Int, Bool. Constants (indices, characters, moduli, substrings)
 * are parameters of a production, not separate nodes.
 */

/** A string view of the input: x, its reversal, a prefix x[:k] or a suffix x[k:]. */
export type StrExpr =
  | { readonly op: "x" }
  | { readonly op: "rev" }
  | { readonly op: "prefix"; readonly k: number }
  | { readonly op: "suffix"; readonly k: number };

export type IntExpr =
  | { readonly op: "const"; readonly v: number }
  | { readonly op: "len"; readonly s: StrExpr }
  | { readonly op: "count"; readonly s: StrExpr; readonly c: string }
  /** int(s) % m, only when every training input is a decimal digit string. */
  | { readonly op: "intmod"; readonly s: StrExpr; readonly m: number }
  /**
   * Sum over chosen positions: int(x[i]) for digit inputs, else (x[i] == c). One index is the digit
   * (or indicator) at a position; more is a small fold over characters.
   */
  | { readonly op: "gsum"; readonly idx: readonly number[]; readonly c: string | null }
  | { readonly op: "add" | "sub" | "mul"; readonly a: IntExpr; readonly b: IntExpr }
  | { readonly op: "mod"; readonly a: IntExpr; readonly m: number };

export type BoolExpr =
  | { readonly op: "chareq"; readonly i: number; readonly c: string }
  | { readonly op: "contains"; readonly t: string }
  | { readonly op: "streq"; readonly a: StrExpr; readonly b: StrExpr }
  | { readonly op: "ieq" | "ilt"; readonly a: IntExpr; readonly b: IntExpr }
  | { readonly op: "not"; readonly a: BoolExpr }
  | { readonly op: "and" | "or" | "xor"; readonly a: BoolExpr; readonly b: BoolExpr };

/** A whole program: its value is the prediction (an Int counts as 1 when nonzero, as Python does). */
export type Program =
  | { readonly type: "bool"; readonly e: BoolExpr }
  | { readonly type: "int"; readonly e: IntExpr };

export function strSize(s: StrExpr): number {
  return s.op === "x" ? 1 : 2;
}

export function intSize(e: IntExpr): number {
  switch (e.op) {
    case "const":
      return 1;
    case "len":
    case "count":
      return 1 + strSize(e.s);
    case "intmod":
      return 2 + strSize(e.s);
    case "gsum":
      return 1 + e.idx.length;
    case "add":
    case "sub":
    case "mul":
      return 1 + intSize(e.a) + intSize(e.b);
    case "mod":
      return 1 + intSize(e.a);
  }
}

export function boolSize(e: BoolExpr): number {
  switch (e.op) {
    case "chareq":
    case "contains":
      return 2;
    case "streq":
      return 1 + strSize(e.a) + strSize(e.b);
    case "ieq":
    case "ilt":
      return 1 + intSize(e.a) + intSize(e.b);
    case "not":
      return 1 + boolSize(e.a);
    case "and":
    case "or":
    case "xor":
      return 1 + boolSize(e.a) + boolSize(e.b);
  }
}

export const programSize = (p: Program): number => (p.type === "bool" ? boolSize(p.e) : intSize(p.e));

/** A Python string literal: single quotes when that needs no escaping, else a JSON (double-quoted) one. */
export function pyString(s: string): string {
  return /^[A-Za-z0-9 _.,;:!?+\-*/=<>()[\]{}#@$%^&|~]*$/.test(s) ? `'${s}'` : JSON.stringify(s);
}

function pyStr(s: StrExpr): string {
  switch (s.op) {
    case "x":
      return "x";
    case "rev":
      return "x[::-1]";
    case "prefix":
      return `x[:${s.k}]`;
    case "suffix":
      return `x[${s.k}:]`;
  }
}

/** Python for an Int expression; `top` omits the outer parentheses. */
function pyInt(e: IntExpr, top = false): string {
  const wrap = (t: string): string => (top ? t : `(${t})`);
  switch (e.op) {
    case "const":
      return String(e.v);
    case "len":
      return `len(${pyStr(e.s)})`;
    case "count":
      return `${pyStr(e.s)}.count(${pyString(e.c)})`;
    case "intmod":
      return wrap(`int(${pyStr(e.s)}) % ${e.m}`);
    case "gsum": {
      const terms = e.idx.map((i) => (e.c === null ? `int(x[${i}])` : `(x[${i}] == ${pyString(e.c!)})`));
      if (terms.length === 1) return e.c === null ? terms[0]! : `int${terms[0]!}`;
      return wrap(terms.join(" + "));
    }
    case "add":
      return wrap(`${pyInt(e.a)} + ${pyInt(e.b)}`);
    case "sub":
      return wrap(`${pyInt(e.a)} - ${pyInt(e.b)}`);
    case "mul":
      return wrap(`${pyInt(e.a)} * ${pyInt(e.b)}`);
    case "mod":
      return wrap(`${pyInt(e.a)} % ${e.m}`);
  }
}

/** Python for a Bool expression; compound operands are parenthesised (no chained comparisons). */
function pyBool(e: BoolExpr, top = false): string {
  const wrap = (t: string): string => (top ? t : `(${t})`);
  switch (e.op) {
    case "chareq":
      return wrap(`x[${e.i}] == ${pyString(e.c)}`);
    case "contains":
      return wrap(`${pyString(e.t)} in x`);
    case "streq":
      return wrap(`${pyStr(e.a)} == ${pyStr(e.b)}`);
    case "ieq":
      return wrap(`${pyInt(e.a)} == ${pyInt(e.b)}`);
    case "ilt":
      return wrap(`${pyInt(e.a)} < ${pyInt(e.b)}`);
    case "not":
      return wrap(`not ${pyBool(e.a)}`);
    case "and":
      return wrap(`${pyBool(e.a)} and ${pyBool(e.b)}`);
    case "or":
      return wrap(`${pyBool(e.a)} or ${pyBool(e.b)}`);
    case "xor":
      return wrap(`${pyBool(e.a)} != ${pyBool(e.b)}`);
  }
}

/** The Python expression of a program (no imports needed). */
export const pythonExpression = (p: Program): string =>
  p.type === "bool" ? pyBool(p.e, true) : pyInt(p.e, true);

/** A whole Python module defining f(x), as a model would answer. */
export function toPython(p: Program): string {
  return `def f(x):\n    return ${pythonExpression(p)}\n`;
}

function prettyStr(s: StrExpr): string {
  switch (s.op) {
    case "x":
      return "x";
    case "rev":
      return "rev(x)";
    case "prefix":
      return `x[:${s.k}]`;
    case "suffix":
      return `x[${s.k}:]`;
  }
}

function prettyInt(e: IntExpr): string {
  switch (e.op) {
    case "const":
      return String(e.v);
    case "len":
      return `len(${prettyStr(e.s)})`;
    case "count":
      return `count(${prettyStr(e.s)},${JSON.stringify(e.c)})`;
    case "intmod":
      return `int(${prettyStr(e.s)})%${e.m}`;
    case "gsum":
      return e.c === null ? `sum(x@${e.idx.join(",")})` : `sum(x@${e.idx.join(",")}==${JSON.stringify(e.c)})`;
    case "add":
      return `(${prettyInt(e.a)}+${prettyInt(e.b)})`;
    case "sub":
      return `(${prettyInt(e.a)}-${prettyInt(e.b)})`;
    case "mul":
      return `(${prettyInt(e.a)}*${prettyInt(e.b)})`;
    case "mod":
      return `(${prettyInt(e.a)}%${e.m})`;
  }
}

function prettyBool(e: BoolExpr): string {
  switch (e.op) {
    case "chareq":
      return `x[${e.i}]==${JSON.stringify(e.c)}`;
    case "contains":
      return `${JSON.stringify(e.t)} in x`;
    case "streq":
      return `${prettyStr(e.a)}==${prettyStr(e.b)}`;
    case "ieq":
      return `${prettyInt(e.a)}==${prettyInt(e.b)}`;
    case "ilt":
      return `${prettyInt(e.a)}<${prettyInt(e.b)}`;
    case "not":
      return `!(${prettyBool(e.a)})`;
    case "and":
      return `(${prettyBool(e.a)} & ${prettyBool(e.b)})`;
    case "or":
      return `(${prettyBool(e.a)} | ${prettyBool(e.b)})`;
    case "xor":
      return `(${prettyBool(e.a)} ^ ${prettyBool(e.b)})`;
  }
}

/** The enumerator's own compact form, recorded in the attempt's meta. */
export const prettyProgram = (p: Program): string => (p.type === "bool" ? prettyBool(p.e) : prettyInt(p.e));
