/**
 * Cost of one next-prime (sympy's nextprime: the smallest prime > n) at 20..100 digits, per approach, on
 * the same random starts; prints a Markdown table of microseconds per call (CPU time of this process, so a
 * loaded machine inflates it less than wall time) and checks that every approach returns the same primes.
 * Run: npx tsx benchmarks/primality.bench.ts [--n 300]
 */
import { init } from "gmp-wasm";
import { createRandom } from "../src/core/random.js";
import { createNextPrimeEngine } from "../src/tasks/next-prime-engine.js";
import { nextPrime } from "../src/tasks/primality.js";

const nFlag = process.argv.indexOf("--n");
const n = nFlag > 0 ? Number(process.argv[nFlag + 1]) : 300;
const lengths = [20, 25, 30, 50, 100];

const { binding: g } = await init();
const gmpNext = (() => {
  const a = g.mpz_t();
  const r = g.mpz_t();
  g.mpz_init(a);
  g.mpz_init(r);
  return (x: bigint): bigint => {
    g.mpz_set_string(a, x.toString(16), 16);
    g.mpz_nextprime(r, a);
    return BigInt(`0x${g.mpz_to_string(r, 16)}`);
  };
})();

const approaches: [string, (x: bigint) => bigint][] = [
  ["BigInt BPSW, sieve < 2^13 (before)", nextPrime],
  ["gmp-wasm mpz_nextprime", gmpNext],
  ...[11, 13, 14, 16, 18].map((b): [string, (x: bigint) => bigint] => {
    const e = createNextPrimeEngine(g, 2 ** b, "gmp");
    return [`sieve < 2^${b} + GMP BPSW on survivors`, (x) => e.nextPrime(x)];
  }),
  ...[13, 15].map((b): [string, (x: bigint) => bigint] => {
    const e = createNextPrimeEngine(g, 2 ** b, "scalar");
    return [`sieve < 2^${b} + scalar wasm BPSW (from 50 hex digits; GMP below)`, (x) => e.nextPrime(x)];
  }),
  ...[13, 15, 17].map((b): [string, (x: bigint) => bigint] => {
    const e = createNextPrimeEngine(g, 2 ** b, "batch");
    const after = b === 13 ? " (the default)" : "";
    return [
      `sieve < 2^${b} + base-2 round on 4 survivors at once (SIMD), strong Lucas on the first passing${after}`,
      (x) => e.nextPrime(x),
    ];
  }),
];

const cpuMicros = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

const rng = createRandom(7);
const starts = new Map(
  lengths.map((L) => [
    L,
    Array.from({ length: n }, () => rng.bigint(10n ** BigInt(L - 1), 10n ** BigInt(L) - 2n)),
  ]),
);
const rows: string[] = [];
const reference = new Map<number, bigint[]>();
for (const [name, fn] of approaches) {
  const cells: string[] = [];
  for (const L of lengths) {
    const xs = starts.get(L) as bigint[];
    for (const x of xs.slice(0, 200)) fn(x); // warm-up: the JIT and the wasm tier-up
    const t0 = cpuMicros();
    const out = xs.map(fn);
    cells.push(((cpuMicros() - t0) / xs.length).toFixed(0));
    const ref = reference.get(L);
    if (!ref) reference.set(L, out);
    else if (out.some((p, i) => p !== ref[i])) throw new Error(`${name} disagrees at L=${L}`);
  }
  rows.push(`| ${name} | ${cells.join(" | ")} |`);
}
console.log(`## µs of CPU per next-prime (mean of ${n} random starts per length; all approaches agree)\n`);
console.log(`| approach | ${lengths.map((L) => `${L} digits`).join(" | ")} |`);
console.log(`|---|${lengths.map(() => "---:").join("|")}|`);
for (const r of rows) console.log(r);
