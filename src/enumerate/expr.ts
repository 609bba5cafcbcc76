/**
 * Programs as text: the Python module the enumerator proposes, its own compact form, and sizes. Each
 * production's Python, compact form and size are its entry in the operator table (operators.ts);
 * this module walks a program through the table.
 */
import type { BoolExpr, Feature, IntExpr, Label, Node, Program, StrExpr } from "./ast.js";
import { operatorOf, pyString, type Renderer, type Sizer } from "./operators.js";

export type { BoolExpr, Feature, IntExpr, Label, Program, StrExpr } from "./ast.js";
export { pyString } from "./operators.js";

const sizer: Sizer = {
  str: (e) => nodeSize(e),
  int: (e) => nodeSize(e),
  bool: (e) => nodeSize(e),
};
const nodeSize = (e: Node): number => operatorOf(e).size(e, sizer);

export const strSize = (s: StrExpr): number => nodeSize(s);
export const intSize = (e: IntExpr): number => nodeSize(e);
export const boolSize = (e: BoolExpr): number => nodeSize(e);
/** A decision list costs its tests plus one per rule. */
export function programSize(p: Program): number {
  if (p.type === "rules") return p.rules.reduce((a, r) => a + 1 + nodeSize(r.when), 0);
  return nodeSize(p.type === "classify" ? p.feature.e : p.e);
}

/** Python of a node; `top` omits the outer parentheses of a compound. */
function python(e: Node, top = false): string {
  const r: Renderer = {
    str: (s) => python(s),
    int: (s) => python(s),
    bool: (s) => python(s),
    wrap: (t) => (top ? t : `(${t})`),
  };
  return operatorOf(e).python(e, r);
}

function pretty(e: Node): string {
  const r: Renderer = { str: pretty, int: pretty, bool: pretty, wrap: (t) => t };
  return operatorOf(e).pretty(e, r);
}

/** A label as a Python literal: an int, or a str. */
export const pyLabel = (y: Label): string => (typeof y === "number" ? String(y) : pyString(y));
const prettyLabel = (y: Label): string => JSON.stringify(y);

/** The Python expression of a program (no imports needed). */
export function pythonExpression(p: Program): string {
  if (p.type === "rules") {
    const chain = p.rules.map((r) => `${pyLabel(r.label)} if ${python(r.when, true)} else `).join("");
    return `${chain}${pyLabel(p.otherwise)}`;
  }
  if (p.type !== "classify") return python(p.e, true);
  const f = python(p.feature.e, true);
  if (p.direct) return f;
  if (p.feature.type === "bool") {
    const yes = p.cases.find(([v]) => v === 1)?.[1] ?? p.otherwise;
    return `${pyLabel(yes)} if ${f} else ${pyLabel(p.otherwise)}`;
  }
  const table = p.cases.map(([v, y]) => `${v}: ${pyLabel(y)}`).join(", ");
  return `{${table}}.get(${f}, ${pyLabel(p.otherwise)})`;
}

/** A whole Python module defining f(x), as a model would answer. */
export function toPython(p: Program): string {
  return `def f(x):\n    return ${pythonExpression(p)}\n`;
}

/** The enumerator's own compact form, recorded in the attempt's meta. */
export function prettyProgram(p: Program): string {
  if (p.type === "rules") {
    const chain = p.rules.map((r) => `${pretty(r.when)} -> ${prettyLabel(r.label)}; `).join("");
    return `rules(${chain}else ${prettyLabel(p.otherwise)})`;
  }
  if (p.type !== "classify") return pretty(p.e);
  const f = pretty(p.feature.e);
  if (p.direct) return f;
  const table = p.cases.map(([v, y]) => `${v}:${prettyLabel(y)}`).join(",");
  return `map(${f};${table};else ${prettyLabel(p.otherwise)})`;
}

export const prettyFeature = (f: Feature): string => pretty(f.e);
