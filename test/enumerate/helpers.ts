/** Test helpers: seeded training sets, labellers written for the tests, and python3 on emitted code. */
import { execFileSync } from "node:child_process";
import type { Example } from "../../src/core/example.js";

/** A small deterministic generator (xorshift32). */
export function rng(seed: number): (k: number) => number {
  let s = seed >>> 0 || 1;
  return (k: number) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % k;
  };
}

export function randomString(next: (k: number) => number, length: number, alphabet = "01"): string {
  let x = "";
  for (let i = 0; i < length; i++) x += alphabet[next(alphabet.length)]!;
  return x;
}

const ones = (s: string): number => [...s].filter((c) => c === "1").length;
export const parityAll = (x: string): 0 | 1 => (ones(x) % 2) as 0 | 1;
export const containsPattern =
  (pattern: string) =>
  (x: string): 0 | 1 =>
    x.includes(pattern) ? 1 : 0;

/** n examples, half labelled 1, drawn like the paper's fn_a (uniform strings until each class is full). */
export function balancedSet(seed: number, n: number, length: number, label: (x: string) => 0 | 1): Example[] {
  const next = rng(seed);
  const pos: Example[] = [];
  const neg: Example[] = [];
  while (pos.length < n / 2 || neg.length < n / 2) {
    const x = randomString(next, length);
    const y = label(x);
    if (y === 1 && pos.length < n / 2) pos.push({ x, y });
    if (y === 0 && neg.length < n / 2) neg.push({ x, y });
  }
  return pos.flatMap((p, i) => [p, neg[i]!]);
}

/** Planted-pattern set as the paper draws fn_c/fn_d: positives carry the pattern at a random offset. */
export function patternSet(seed: number, n: number, length: number, pattern: string): Example[] {
  const next = rng(seed);
  const out: Example[] = [];
  while (out.length < n) {
    let x = randomString(next, length);
    if (out.length % 2 === 0) {
      const at = next(length - pattern.length + 1);
      x = x.slice(0, at) + pattern + x.slice(at + pattern.length);
      out.push({ x, y: 1 });
    } else if (!x.includes(pattern)) out.push({ x, y: 0 });
  }
  return out;
}

const PY_RUNNER = `
import json, sys
data = json.load(sys.stdin)
out = []
for code in data["codes"]:
    ns = {}
    exec(compile(code, "<candidate>", "exec"), ns)
    f = ns["f"]
    row = []
    for x in data["inputs"]:
        try:
            v = f(x)
            row.append(v if isinstance(v, (bool, str)) else int(v))
        except Exception as e:
            row.append("E:" + type(e).__name__)
    out.append(row)
print(json.dumps(out))
`;

/**
 * Runs each module's f on every input in one python3 process: results[code][input] (a bool, an int, a
 * str, or "E:<exception>"; an int that is neither is read with int()).
 */
export function runPython(
  codes: readonly string[],
  inputs: readonly string[],
): (boolean | number | string)[][] {
  const stdout = execFileSync("python3", ["-c", PY_RUNNER], {
    input: JSON.stringify({ codes, inputs }),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout) as (boolean | number | string)[][];
}
