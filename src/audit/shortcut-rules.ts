/**
 * Fixed shortcut rules the audit scores beside the enumerator's, for properties the enumerator's grammar
 * cannot say in a few nodes (trial division) or that it would pass over for the true rule (the parity of
 * the ones, which the paper's palindromes and Dyck-2 words carry). Each applies to some inputs only.
 */
export interface ShortcutRule {
  /** What label 1 means, in words: "the number of 1s is even". */
  readonly name: string;
  /** The same as a Python expression of x (documentation; the audit evaluates `predict`). */
  readonly python: string;
  /** Whether the rule means anything on these (training) inputs. */
  applies(inputs: readonly string[]): boolean;
  predict(x: string): 0 | 1;
}

const BINARY = /^[01]+$/;
const DECIMAL = /^[0-9]+$/;

/** The primes below 100. */
export const SMALL_PRIMES: readonly number[] = [
  2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
];

/** 1 iff no prime below 100 divides n, or n is such a prime (streamed over the digits: any length). */
export function passesTrialDivision(x: string): 0 | 1 {
  const rest = new Array<number>(SMALL_PRIMES.length).fill(0);
  for (let i = 0; i < x.length; i++) {
    const d = x.charCodeAt(i) - 48;
    for (let k = 0; k < SMALL_PRIMES.length; k++) {
      rest[k] = ((rest[k] as number) * 10 + d) % (SMALL_PRIMES[k] as number);
    }
  }
  if (!rest.includes(0)) return 1;
  // divisible by a small prime: prime only if it is that prime
  const n = x.replace(/^0+/, "");
  return n.length <= 2 && SMALL_PRIMES.includes(Number(n)) ? 1 : 0;
}

function onesEven(x: string): 0 | 1 {
  let ones = 0;
  for (let i = 0; i < x.length; i++) if (x.charCodeAt(i) === 49) ones++;
  return ones % 2 === 0 ? 1 : 0;
}

const EDGE_LIST = /^(u[0-9]{2}v[0-9]{2})+$/;

/** 1 iff an edge list (u<a>v<b> per edge, u00v00 padding) names fewer distinct vertices than it has edges. */
export function fewerVerticesThanEdges(x: string): 0 | 1 {
  const ids = new Set<string>();
  let edges = 0;
  for (let i = 0; i + 6 <= x.length; i += 6) {
    const a = x.slice(i + 1, i + 3);
    const b = x.slice(i + 4, i + 6);
    if (a === "00" && b === "00") continue;
    edges++;
    ids.add(a);
    ids.add(b);
  }
  return ids.size < edges ? 1 : 0;
}

/**
 * The audit's fixed rules: the parity of the ones (bit strings), trial division below 100 (decimal),
 * fewer vertices than edges (fn_aa's edge lists).
 */
export const SHORTCUT_RULES: readonly ShortcutRule[] = [
  {
    name: "the number of 1s is even",
    python: "x.count('1') % 2 == 0",
    applies: (inputs) => inputs.length > 0 && inputs.every((x) => BINARY.test(x)),
    predict: onesEven,
  },
  {
    name: "no prime below 100 divides it (trial division)",
    python: "all(int(x) % p for p in PRIMES_BELOW_100) or int(x) in PRIMES_BELOW_100",
    // decimal numbers, not bit strings (which are digit strings too)
    applies: (inputs) =>
      inputs.length > 0 && inputs.every((x) => DECIMAL.test(x)) && !inputs.every((x) => BINARY.test(x)),
    predict: passesTrialDivision,
  },
  {
    name: "fewer distinct vertex ids than edges",
    python:
      "len({x[i+1:i+3] for i in range(0, len(x), 6)} | {x[i+4:i+6] for i in range(0, len(x), 6)}) < len(x) // 6",
    applies: (inputs) => inputs.length > 0 && inputs.every((x) => EDGE_LIST.test(x)),
    predict: fewerVerticesThanEdges,
  },
];
