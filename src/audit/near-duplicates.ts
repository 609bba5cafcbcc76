/**
 * Near-duplicates: strings exactly one edit apart (one substitution, insertion or deletion of a UTF-16 code
 * unit). An index over reference strings answers "is t one edit from some reference?" in O(|t|) hash
 * look-ups: two strings are one edit apart iff deleting one character from the longer gives the shorter
 * (lengths differ by one), or deleting the same position from both gives the same string (same length,
 * one substitution). Deletions are hashed in O(1) each from prefix hashes; every hash hit is confirmed by
 * a direct comparison, so a hash collision costs time, never a wrong answer.
 */

/** True iff a and b are exactly one substitution, insertion or deletion apart (never when equal). */
export function isOneEdit(a: string, b: string): boolean {
  if (a.length < b.length) [a, b] = [b, a];
  const la = a.length;
  const lb = b.length;
  if (la - lb > 1) return false;
  let i = 0;
  while (i < lb && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (la === lb) {
    if (i === la) return false; // equal
    for (let j = i + 1; j < la; j++) if (a.charCodeAt(j) !== b.charCodeAt(j)) return false;
    return true;
  }
  // a is one longer: skip a[i]
  for (let j = i; j < lb; j++) if (a.charCodeAt(j + 1) !== b.charCodeAt(j)) return false;
  return true;
}

const B1 = 0x01000193;
const B2 = 0x5bd1e995;
/** Keys are small integers (30 bits: V8 keeps them unboxed); a shared key is only a candidate. */
const KEY_MASK = 0x3fffffff;

/** Prefix hashes of s under two bases (mod 2^32), and the powers of each base. */
class Hashed {
  readonly p1: Uint32Array;
  readonly p2: Uint32Array;
  constructor(
    readonly s: string,
    private readonly pow: Powers,
  ) {
    const n = s.length;
    this.p1 = new Uint32Array(n + 1);
    this.p2 = new Uint32Array(n + 1);
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i) + 1;
      this.p1[i + 1] = (Math.imul(this.p1[i] as number, B1) + c) >>> 0;
      this.p2[i + 1] = (Math.imul(this.p2[i] as number, B2) + c) >>> 0;
    }
    pow.ensure(n + 1);
  }

  /** The key of the whole string. */
  full(): number {
    const n = this.s.length;
    return key(this.p1[n] as number, this.p2[n] as number);
  }

  /** The key of s with position i deleted. */
  without(i: number): number {
    const n = this.s.length;
    const tail = n - 1 - i;
    const h1 = del(this.p1, i, n, tail, this.pow.b1);
    const h2 = del(this.p2, i, n, tail, this.pow.b2);
    return key(h1, h2);
  }
}

/** hash(s[0..i) + s[i+1..n)) = P[i] * B^tail + (P[n] - P[i+1] * B^tail). */
function del(p: Uint32Array, i: number, n: number, tail: number, pow: Uint32Array): number {
  const bt = pow[tail] as number;
  const suffix = ((p[n] as number) - Math.imul(p[i + 1] as number, bt)) >>> 0;
  return (Math.imul(p[i] as number, bt) + suffix) >>> 0;
}

const key = (h1: number, h2: number): number => (h1 ^ Math.imul(h2, 0x27d4eb2d)) & KEY_MASK;
/** A substitution key: the deletion's key mixed with the position and the length. */
const subKey = (k: number, i: number, n: number): number =>
  (k ^ Math.imul(i + 1, 0x9e3779b1) ^ Math.imul(n + 1, 0x85ebca6b)) & KEY_MASK;

class Powers {
  b1 = new Uint32Array([1]);
  b2 = new Uint32Array([1]);
  ensure(n: number): void {
    if (this.b1.length >= n) return;
    const b1 = new Uint32Array(n);
    const b2 = new Uint32Array(n);
    b1[0] = 1;
    b2[0] = 1;
    for (let i = 1; i < n; i++) {
      b1[i] = Math.imul(b1[i - 1] as number, B1) >>> 0;
      b2[i] = Math.imul(b2[i - 1] as number, B2) >>> 0;
    }
    this.b1 = b1;
    this.b2 = b2;
  }
}

function push(map: Map<number, number[]>, k: number, v: number): void {
  const list = map.get(k);
  if (list === undefined) map.set(k, [v]);
  else if (list[list.length - 1] !== v) list.push(v);
}

/** Reference strings, indexed to answer "which reference is exactly one edit from t?". */
export class OneEditIndex {
  private readonly refs: readonly string[];
  private readonly pow = new Powers();
  /** whole reference -> indices (t one longer than a reference: some deletion of t is it) */
  private readonly whole = new Map<number, number[]>();
  /** reference with one position deleted -> indices (t one shorter: t is such a deletion) */
  private readonly deletions = new Map<number, number[]>();
  /** (deletion, position, length) -> indices (same length: one substitution) */
  private readonly substitutions = new Map<number, number[]>();

  constructor(refs: readonly string[]) {
    this.refs = refs;
    refs.forEach((r, idx) => {
      const h = new Hashed(r, this.pow);
      push(this.whole, h.full(), idx);
      for (let i = 0; i < r.length; i++) {
        const k = h.without(i);
        push(this.deletions, k, idx);
        push(this.substitutions, subKey(k, i, r.length), idx);
      }
    });
  }

  /** The index of a reference exactly one edit from t, or -1. */
  neighbour(t: string): number {
    const h = new Hashed(t, this.pow);
    const check = (list: readonly number[] | undefined): number => {
      if (list === undefined) return -1;
      for (const idx of list) if (isOneEdit(t, this.refs[idx] as string)) return idx;
      return -1;
    };
    let found = check(this.deletions.get(h.full()));
    for (let i = 0; found < 0 && i < t.length; i++) {
      const k = h.without(i);
      found = check(this.whole.get(k));
      if (found < 0) found = check(this.substitutions.get(subKey(k, i, t.length)));
    }
    return found;
  }
}
