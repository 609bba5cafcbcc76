/**
 * Cost of one next-prime (sympy's nextprime: the smallest prime > n) at 20..100 digits, per approach, on
 * the same random starts; prints a Markdown table of microseconds per next-prime (CPU time of this
 * process, so a loaded machine inflates it less than wall time) and checks that every approach returns the
 * same primes. Each approach is warmed up first (the JIT, the wasm kernels) on other starts of the length.
 * Engines answer in chunks of 32 starts, as the next-prime pool hands them out.
 * Run: npx tsx benchmarks/primality.bench.ts [--n 1000]
 */
import { init } from "gmp-wasm";
import { createRandom } from "../src/core/random.js";
import { createNextPrimeEngine, type NextPrimeEngine, nextPrime } from "../src/primes/index.js";

const nFlag = process.argv.indexOf("--n");
const n = nFlag > 0 ? Number(process.argv[nFlag + 1]) : 1000;
const lengths = [20, 25, 30, 50, 100];
const CHUNK = 32;

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

type Many = (xs: readonly bigint[]) => bigint[];
const oneByOne =
  (f: (x: bigint) => bigint): Many =>
  (xs) =>
    xs.map(f);
const chunked =
  (e: NextPrimeEngine): Many =>
  (xs) => {
    const out: bigint[] = [];
    for (let i = 0; i < xs.length; i += CHUNK) out.push(...e.nextPrimes(xs.slice(i, i + CHUNK)));
    return out;
  };

const approaches: [string, Many][] = [
  ["BigInt BPSW, sieve < 2^13 (primality.ts)", oneByOne(nextPrime)],
  ["gmp-wasm mpz_nextprime", oneByOne(gmpNext)],
  ...[11, 13, 15].map((b): [string, Many] => {
    const e = createNextPrimeEngine(g, 2 ** b, "gmp");
    return [`sieve < 2^${b} + GMP BPSW on each survivor`, oneByOne((x) => e.nextPrime(x))];
  }),
  ["sieve < 2^13 + scalar wasm BPSW on each survivor (from 50 hex digits)", scalar(2 ** 13)],
  ...[13, 15, 17].map((b): [string, Many] => [
    `sieve < 2^${b} + SIMD base-2 rounds, 4 lanes, searches sharing them + SIMD strong Lucas, 4 at once`,
    chunked(createNextPrimeEngine(g, 2 ** b, "batch")),
  ]),
  [
    "the default: as above, sieve bound 2^11 (bits/100)^2 (2^11 .. 2^14.5 here)",
    chunked(createNextPrimeEngine(g)),
  ],
];

function scalar(bound: number): Many {
  const e = createNextPrimeEngine(g, bound, "scalar");
  return oneByOne((x) => e.nextPrime(x));
}

const cpuMicros = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

const rng = createRandom(7);
const draw = (L: number, count: number): bigint[] =>
  Array.from({ length: count }, () => rng.bigint(10n ** BigInt(L - 1), 10n ** BigInt(L) - 2n));
// short numbers are cheap: more of them, for steadier means
const starts = new Map(lengths.map((L) => [L, draw(L, L >= 100 ? n : 5 * n)]));
const warmUp = new Map(lengths.map((L) => [L, draw(L, 512)]));
// the wasm kernels (one module per limb count, shared by the engines) compile and tier up once, here
const warmEngine = createNextPrimeEngine(g);
for (const L of lengths) for (let r = 0; r < 4; r++) warmEngine.nextPrimes(warmUp.get(L) as bigint[]);
const rows: string[] = [];
const reference = new Map<number, bigint[]>();
for (const [name, many] of approaches) {
  const cells: string[] = [];
  for (const L of lengths) {
    const xs = starts.get(L) as bigint[];
    // the slow approaches get fewer starts at 100 digits
    const slow = name.startsWith("BigInt") || name.startsWith("gmp-wasm") || name.includes("GMP BPSW");
    const take = slow && L === 100 ? xs.slice(0, Math.min(xs.length, 200)) : xs;
    many((warmUp.get(L) as bigint[]).slice(0, slow ? 32 : 512));
    const t0 = cpuMicros();
    const out = many(take);
    cells.push(((cpuMicros() - t0) / take.length).toFixed(0));
    const ref = reference.get(L);
    if (!ref || ref.length < out.length) reference.set(L, out);
    const check = reference.get(L) as bigint[];
    if (out.some((p, i) => p !== check[i])) throw new Error(`${name} disagrees at L=${L}`);
  }
  rows.push(`| ${name} | ${cells.join(" | ")} |`);
}
console.log(
  `## µs of CPU per next-prime (mean over ${5 * n} random starts per length, ${n} at 100 digits (200 for the slow rows); all approaches agree)\n`,
);
console.log(`| approach | ${lengths.map((L) => `${L} digits`).join(" | ")} |`);
console.log(`|---|${lengths.map(() => "---:").join("|")}|`);
for (const r of rows) console.log(r);
