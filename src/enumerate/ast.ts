/**
 * The enumerator's expression language, as data (docs/enumerator.md is the grammar with its costs).
 * Three types: Str (views of the input x), Int, Bool. Constants (indices, characters, moduli,
 * substrings) are parameters of a production, not separate nodes. Each `op` here has exactly one
 * entry in the operator table (operators.ts), which the compiler checks.
 */

/** A string view of the input. */
export type StrExpr =
  | { readonly op: "x" }
  | { readonly op: "rev" }
  /** x[:k] */
  | { readonly op: "prefix"; readonly k: number }
  /** x[k:] */
  | { readonly op: "suffix"; readonly k: number }
  /** x[:-k] (inputs of different lengths only) */
  | { readonly op: "drop_last"; readonly k: number }
  /** x[-k:] (inputs of different lengths only) */
  | { readonly op: "last"; readonly k: number }
  /** x[:len(x) // 2] (inputs of different lengths only) */
  | { readonly op: "first_half" }
  /** x[len(x) // 2:] (inputs of different lengths only) */
  | { readonly op: "second_half" };

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
  | { readonly op: "add"; readonly a: IntExpr; readonly b: IntExpr }
  | { readonly op: "sub"; readonly a: IntExpr; readonly b: IntExpr }
  | { readonly op: "mul"; readonly a: IntExpr; readonly b: IntExpr }
  | { readonly op: "mod"; readonly a: IntExpr; readonly m: number };

export type BoolExpr =
  | { readonly op: "chareq"; readonly i: number; readonly c: string }
  /** x[-i] == c, i >= 1 (inputs of different lengths only) */
  | { readonly op: "chareq_end"; readonly i: number; readonly c: string }
  | { readonly op: "contains"; readonly t: string }
  | { readonly op: "streq"; readonly a: StrExpr; readonly b: StrExpr }
  | { readonly op: "ieq"; readonly a: IntExpr; readonly b: IntExpr }
  | { readonly op: "ilt"; readonly a: IntExpr; readonly b: IntExpr }
  | { readonly op: "not"; readonly a: BoolExpr }
  | { readonly op: "and"; readonly a: BoolExpr; readonly b: BoolExpr }
  | { readonly op: "or"; readonly a: BoolExpr; readonly b: BoolExpr }
  | { readonly op: "xor"; readonly a: BoolExpr; readonly b: BoolExpr };

export type Node = StrExpr | IntExpr | BoolExpr;
export type OpName = Node["op"];
export type NodeOf<K extends OpName> = Extract<Node, { readonly op: K }>;
export type ValueType = "str" | "int" | "bool";

/** A label: 0/1 for a binary rule, or a class (an int or a string). */
export type Label = number | string;

/** An Int or Bool expression used as a program's feature. */
export type Feature =
  | { readonly type: "bool"; readonly e: BoolExpr }
  | { readonly type: "int"; readonly e: IntExpr };

/**
 * A whole program. Bool and Int programs answer a binary rule (an Int counts as 1 when nonzero, as
 * Python does). A `classify` program answers a multi-class rule: its feature's value itself (`direct`,
 * int classes) or looked up in `cases`, with `otherwise` for a value not listed. A `rules` program is a
 * decision list: the class of the first rule whose test holds, else `otherwise`.
 */
export type Program =
  | Feature
  | {
      readonly type: "classify";
      readonly feature: Feature;
      readonly direct: boolean;
      readonly cases: readonly (readonly [number, Label])[];
      readonly otherwise: Label;
    }
  | {
      readonly type: "rules";
      readonly rules: readonly { readonly when: BoolExpr; readonly label: Label }[];
      readonly otherwise: Label;
    };
