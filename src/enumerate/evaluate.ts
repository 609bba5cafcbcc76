/**
 * The enumerator's own evaluation of one program on one input, through the operator table (the same
 * primitive semantics as the search). Used to check that the emitted Python agrees with the
 * enumerator, to tell programs apart on probe inputs, and by the benchmark.
 */
import type { BoolExpr, IntExpr, Label, Node, Program, StrExpr } from "./ast.js";
import { type Evaluator, operatorOf, type Value } from "./operators.js";

export { EvaluationError } from "./operators.js";

const ev: Evaluator = {
  str: (e, x) => evalNode(e, x) as string,
  int: (e, x) => evalNode(e, x) as number,
  bool: (e, x) => evalNode(e, x) as boolean,
};
const evalNode = (e: Node, x: string): Value => operatorOf(e).evaluate(e, x, ev);

export const viewOf = (s: StrExpr, x: string): string => ev.str(s, x);
export const evalInt = (e: IntExpr, x: string): number => ev.int(e, x);
export const evalBool = (e: BoolExpr, x: string): boolean => ev.bool(e, x);

/** The program's value on x: a boolean, an integer, or (classify, rules) its class. */
export function evaluateProgram(p: Program, x: string): boolean | Label {
  if (p.type === "rules") {
    for (const r of p.rules) if (evalBool(r.when, x)) return r.label;
    return p.otherwise;
  }
  if (p.type !== "classify") return evalNode(p.e, x) as boolean | number;
  const raw = evalNode(p.feature.e, x) as boolean | number;
  const v = typeof raw === "boolean" ? (raw ? 1 : 0) : raw;
  if (p.direct) return v;
  return p.cases.find(([k]) => k === v)?.[1] ?? p.otherwise;
}

/** The 0/1 label the verifier would read from a Bool or Int program (an integer counts as 1 when nonzero). */
export const predictLabel = (p: Program, x: string): 0 | 1 => {
  const v = evaluateProgram(p, x);
  return v === true || (typeof v === "number" && v !== 0) ? 1 : 0;
};

/** The label the program predicts: its class (classify, rules), else its 0/1 label. */
export const predict = (p: Program, x: string): Label =>
  p.type === "classify" || p.type === "rules" ? (evaluateProgram(p, x) as Label) : predictLabel(p, x);
