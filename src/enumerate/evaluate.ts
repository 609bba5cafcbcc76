/**
 * The enumerator's own evaluation of one program on one input, with the same primitive semantics as
 * the search (semantics.ts). Used to check that the emitted Python agrees with the enumerator.
 */
import type { BoolExpr, IntExpr, Program } from "./expr.js";
import { countChar, gatherSum, INT_MAX, intBinary, intMod, pyMod, viewOf } from "./semantics.js";

/** Thrown where Python would raise (an index past the end of x) or an integer leaves int32. */
export class EvaluationError extends Error {
  override readonly name = "EvaluationError";
}

export function evalInt(e: IntExpr, x: string): number {
  switch (e.op) {
    case "const":
      return e.v;
    case "len":
      return viewOf(e.s, x).length;
    case "count":
      return countChar(viewOf(e.s, x), e.c);
    case "intmod":
      return intMod(viewOf(e.s, x), e.m);
    case "gsum":
      for (const i of e.idx) if (i >= x.length) throw new EvaluationError(`index ${i} out of range`);
      return gatherSum(x, e.idx, e.c);
    case "add":
    case "sub":
    case "mul": {
      const v = intBinary(e.op, evalInt(e.a, x), evalInt(e.b, x));
      if (Number.isNaN(v)) throw new EvaluationError(`integer beyond ${INT_MAX}`);
      return v;
    }
    case "mod":
      return pyMod(evalInt(e.a, x), e.m);
  }
}

export function evalBool(e: BoolExpr, x: string): boolean {
  switch (e.op) {
    case "chareq":
      if (e.i >= x.length) throw new EvaluationError(`index ${e.i} out of range`);
      return x[e.i] === e.c;
    case "contains":
      return x.includes(e.t);
    case "streq":
      return viewOf(e.a, x) === viewOf(e.b, x);
    case "ieq":
      return evalInt(e.a, x) === evalInt(e.b, x);
    case "ilt":
      return evalInt(e.a, x) < evalInt(e.b, x);
    case "not":
      return !evalBool(e.a, x);
    case "and":
      return evalBool(e.a, x) && evalBool(e.b, x);
    case "or":
      return evalBool(e.a, x) || evalBool(e.b, x);
    case "xor":
      return evalBool(e.a, x) !== evalBool(e.b, x);
  }
}

/** The program's value on x: a boolean, or an integer. */
export const evaluateProgram = (p: Program, x: string): boolean | number =>
  p.type === "bool" ? evalBool(p.e, x) : evalInt(p.e, x);

/** The 0/1 label the verifier would read from the value (an integer counts as 1 when nonzero). */
export const predictLabel = (p: Program, x: string): 0 | 1 => {
  const v = evaluateProgram(p, x);
  return v === true || (typeof v === "number" && v !== 0) ? 1 : 0;
};
