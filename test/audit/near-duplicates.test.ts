import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isOneEdit, OneEditIndex } from "../../src/audit/near-duplicates.js";

/** Levenshtein distance by the textbook dynamic programme. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(
        (prev[j] as number) + 1,
        (cur[j - 1] as number) + 1,
        (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = cur;
  }
  return prev[b.length] as number;
}

const small = fc.string({ unit: fc.constantFrom("0", "1", "2"), maxLength: 7 });

describe("near-duplicates (one edit)", () => {
  it("isOneEdit agrees with the edit distance being exactly 1", () => {
    fc.assert(
      fc.property(small, small, (a, b) => {
        expect(isOneEdit(a, b)).toBe(distance(a, b) === 1);
      }),
      { numRuns: 3000 },
    );
  });

  it("the index finds a reference one edit away exactly when brute force does", () => {
    fc.assert(
      fc.property(fc.array(small, { maxLength: 12 }), fc.array(small, { maxLength: 12 }), (refs, queries) => {
        const index = new OneEditIndex(refs);
        for (const t of [...queries, ...refs]) {
          const found = index.neighbour(t);
          const expected = refs.some((r) => distance(r, t) === 1);
          expect(found >= 0, `${t} among ${JSON.stringify(refs)}`).toBe(expected);
          if (found >= 0) expect(distance(refs[found] as string, t)).toBe(1);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("catches each kind of edit and not two edits, on long strings", () => {
    const r = "0110100110010110".repeat(6);
    const index = new OneEditIndex([r]);
    expect(index.neighbour(r)).toBe(-1); // equal is not near
    expect(index.neighbour(`${r.slice(0, 40)}${r[40] === "1" ? "0" : "1"}${r.slice(41)}`)).toBe(0);
    expect(index.neighbour(r.slice(0, 50) + r.slice(51))).toBe(0); // deletion
    expect(index.neighbour(`${r.slice(0, 50)}1${r.slice(50)}`)).toBe(0); // insertion
    expect(index.neighbour(`1${r}`)).toBe(0);
    expect(index.neighbour(`${r}0`)).toBe(0);
    expect(index.neighbour(`${r.slice(1)}0`)).toBe(-1); // a shift: two edits
    expect(index.neighbour(r.slice(2))).toBe(-1);
  });
});
