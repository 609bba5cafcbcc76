/**
 * Fast next-prime for fn_i / fn_k: sympy's nextprime (the smallest prime > n) with BPSW's certainty.
 *
 * From 2^40 to 2^440, each search sieves a window of odd candidates (sieve-kernel.ts: the small odd primes
 * below a bound that grows with the numbers), then decides its survivors in order: a strong probable-prime
 * test to base 2 on four survivors at once in the SIMD kernel (base2-pair-kernel.ts), and on the first
 * that passes, the strong Lucas test with Selfridge's parameters, four such survivors (of four searches)
 * at once in the SIMD Lucas kernel (lucas-pair-kernel.ts; one-by-one searches use the scalar one in
 * prime-montgomery.ts). That pair is BPSW:
 * the same test as `isProbablePrime` in primality.ts (no known counterexample, proven below 2^64), with no
 * random bases. Composite survivors almost always stop at the base-2 round. `nextPrimes` runs several
 * searches at once, one survivor of each per lane.
 *
 * Past 2^440 (beyond the kernels), survivors go to GMP's `mpz_probab_prime_p(c, 24)` (the `gmp-wasm` build
 * of GMP 6.3: trial division, then BPSW; GMP documents `reps - 24` further Miller-Rabin rounds, none with
 * 24), or to the BigInt BPSW while GMP is still loading; below 2^40, to primality.ts.
 *
 * The residues of a window's start modulo the sieving primes come from the start split once into 24-bit
 * limbs and a table of 2^(24k) mod p: a few float multiply-adds per prime, no BigInt division.
 *
 * Invariant: nextPrime(n) here equals nextPrime(n) in primality.ts for every n, whichever path (kernels, GMP,
 * BigInt) decides it; datasets are byte-identical whichever path ran.
 */
import type { GMPFunctions } from "gmp-wasm";
import { BATCH, MAX_PAIR_LIMBS, strongProbablePrime2Batch } from "./base2-pair-kernel.js";
import { strongLucasBatch } from "./lucas-pair-kernel.js";
import { isProbablePrime, nextPrime as nextPrimeBigInt } from "./primality.js";
import {
  isStrongLucasProbablePrimeMont,
  isStrongProbablePrime2,
  MAX_MONT_LIMBS,
} from "./prime-montgomery.js";
import { createWasmSieve } from "./sieve-kernel.js";

/**
 * Odd primes below a bound that grows with the numbers sieve the window: a prime's residue costs ~0.3 ns
 * per 24-bit limb of the start in the wasm sieve, and saves a base-2 round on a survivor with probability
 * ~1/p, a round whose cost grows as bits^2 (and more survivors are tested at more bits). Measured best on
 * these machines (benchmarks/primality.bench.ts): 2^11 at 20-30 digits, 2^13 at 50, 2^15 at 100, with a
 * flat optimum: 2^11 (bits / 100)^2, clamped to [2^10, 2^16].
 */
function sieveBoundFor(bits: number): number {
  return Math.min(2 ** 16, Math.max(2 ** 10, 2 ** 11 * (bits / 100) ** 2));
}
const MAX_SIEVE_BOUND = 2 ** 16;
/** Starts up to this many 24-bit limbs (about 1000 digits) are sieved (sieve-kernel.ts: its residue sums
 * stay below 2^53, limbs < 2^24 times table entries < 2^20, 140 terms); longer ones go the BigInt way. */
const MAX_LIMBS = 140;
/** Below this, the BigInt path is as fast and needs no special cases (tiny n, n inside the sieve). */
const SMALL = 1n << 40n;
/** Hex lengths (7 per 28-bit limb) at which candidates get the wasm base-2 round before GMP's BPSW. */
const MONT_MIN_HEX = 7 * 8 - 6;
const MONT_MAX_HEX = 7 * MAX_MONT_LIMBS - 1;
/** The SIMD kernels (base-2 and strong Lucas) take numbers below 2^(28 * 16 - 4); the scalar kernel of
 * prime-montgomery.ts, below 2^(28 * 16). */
const BATCH_MAX_HEX = Math.floor((28 * MAX_PAIR_LIMBS - 4) / 4);
/** The numbers with fewer than BATCH_MAX_HEX hex digits. */
const BATCH_LIMIT = 1n << BigInt(4 * (BATCH_MAX_HEX - 1));

function oddPrimesBelow(bound: number): Int32Array {
  const composite = new Uint8Array(bound);
  const out: number[] = [];
  for (let i = 3; i < bound; i += 2) {
    if (composite[i]) continue;
    out.push(i);
    for (let j = i * i; j < bound; j += 2 * i) composite[j] = 1;
  }
  return Int32Array.from(out);
}

/** A number's hex digits as little-endian 24-bit limbs (6 hex digits each). */
function hexToLimbs(hex: string): number[] {
  const limbs: number[] = [];
  for (let end = hex.length; end > 0; end -= 6)
    limbs.push(Number.parseInt(hex.slice(Math.max(0, end - 6), end), 16));
  return limbs;
}

/** Next-prime searches; not thread-safe (one per thread). */
export interface NextPrimeEngine {
  /** The smallest prime strictly greater than n (sympy's nextprime), as primality.ts's nextPrime. */
  nextPrime(n: bigint): bigint;
  /** nextPrime of each n, in order: with the SIMD kernel, several searches share its lanes. */
  nextPrimes(ns: readonly bigint[]): bigint[];
}

/** One next-prime search in progress: a window of odd candidates start + 2i, sieved into `marks`. */
interface Search {
  /** Its place in the output. */
  readonly index: number;
  start: bigint;
  hex: string;
  readonly marks: Uint8Array;
  /** The next window position to look at. */
  i: number;
  /** Scratch of a round: the position after the last survivor put in the batch. */
  taken: number;
  /** Out of the open searches: its survivor at `found` passed the base-2 round (and awaits the strong
   * Lucas test), or it ended. */
  done: boolean;
  found: number;
}

/**
 * How survivors of the sieve are decided: "gmp" is GMP's BPSW on each; "scalar" is the wasm kernel's BPSW
 * (prime-montgomery.ts) on each from 50 hex digits (GMP below); "batch" is the base-2 round on four
 * survivors at once in the SIMD kernel (base2-pair-kernel.ts), then the strong Lucas test on the first that
 * passes (for many searches at once, four such survivors at a time in lucas-pair-kernel.ts). All decide
 * the same; only the speed differs.
 */
export type SurvivorTest = "gmp" | "scalar" | "batch";

/**
 * An engine on a GMP instance. `sieveBound`: odd primes below it sieve the window (at most 2^20, so the
 * residue sums stay exact; default: sieveBoundFor the numbers' size). `survivors`: see SurvivorTest
 * (default "batch"). Both only change the speed; exported for the benchmark.
 */
export function createNextPrimeEngine(
  gmp: GMPFunctions | (() => GMPFunctions | undefined),
  sieveBound?: number,
  survivors: SurvivorTest = "batch",
): NextPrimeEngine {
  if (sieveBound !== undefined && sieveBound > 1 << 20)
    throw new RangeError(`sieve bound ${sieveBound} over 2^20`);
  const primes = oddPrimesBelow(sieveBound ?? MAX_SIEVE_BOUND);
  const wasmSieve = createWasmSieve(primes, MAX_LIMBS);
  /** How many of the primes sieve a window of numbers with `hexDigits` hex digits. */
  const counts = new Map<number, number>();
  const primeCount = (hexDigits: number): number => {
    let c = counts.get(hexDigits);
    if (c === undefined) {
      const bound = sieveBound ?? sieveBoundFor(4 * hexDigits);
      c = primes.findIndex((p) => p >= bound);
      if (c < 0) c = primes.length;
      counts.set(hexDigits, c);
    }
    return c;
  };
  const sieve = (hex: string, marks: Uint8Array): void =>
    wasmSieve.sieve(hexToLimbs(hex), primeCount(hex.length), marks);
  /** GMP and two numbers on it, once GMP is there (getNextPrimeEngine does not wait for it). */
  let onGmp: { g: GMPFunctions; base: number; cand: number } | undefined;
  const gmpNow = () => {
    if (onGmp) return onGmp;
    const g = typeof gmp === "function" ? gmp() : gmp;
    if (!g) return undefined;
    const base = g.mpz_t();
    const cand = g.mpz_t();
    g.mpz_init(base);
    g.mpz_init(cand);
    onGmp = { g, base, cand };
    return onGmp;
  };
  let marks = new Uint8Array(0);
  const batch: bigint[] = [];

  /** The first prime among the window's survivors (start + 2i, unmarked), or undefined. */
  function firstPrime(start: bigint, hex: string): bigint | undefined {
    if (survivors === "batch" && hex.length < BATCH_MAX_HEX) {
      // four survivors per call of the SIMD kernel; the first of them that is prime is the answer
      for (let i = 0; i < marks.length; ) {
        batch.length = 0;
        for (; i < marks.length && batch.length < BATCH; i++)
          if (!marks[i]) batch.push(start + BigInt(2 * i));
        if (batch.length === 0) break;
        const passed = strongProbablePrime2Batch(batch);
        for (let j = 0; j < batch.length; j++) {
          const c = batch[j] as bigint;
          if (passed[j] && isStrongLucasProbablePrimeMont(c)) return c;
        }
      }
      return undefined;
    }
    // From ~65 digits on, the scalar wasm kernel's BPSW beats GMP's; below, its JS overhead does not pay.
    const mont = survivors === "scalar" && hex.length >= MONT_MIN_HEX && hex.length <= MONT_MAX_HEX;
    const lib = mont ? undefined : gmpNow();
    lib?.g.mpz_set_string(lib.base, hex, 16);
    for (let i = 0; i < marks.length; i++) {
      if (marks[i]) continue;
      if (lib) {
        lib.g.mpz_add_ui(lib.cand, lib.base, 2 * i);
        if (lib.g.mpz_probab_prime_p(lib.cand, 24) !== 0) return start + BigInt(2 * i);
        continue;
      }
      // the wasm kernel's BPSW; or, while GMP is still loading, the BigInt one (the same test)
      const c = start + BigInt(2 * i);
      if (mont ? isStrongProbablePrime2(c) && isStrongLucasProbablePrimeMont(c) : isProbablePrime(c))
        return c;
    }
    return undefined;
  }

  /** The odd number after n, its hex digits and the window size for it. */
  function firstOdd(n: bigint): { start: bigint; hex: string; window: number } {
    let start = n + 1n;
    if ((start & 1n) === 0n) start++;
    const hex = start.toString(16);
    // About 1.5 ln(n) odd candidates (ln n ~ 2.77 per hex digit): nearly always one window suffices.
    return { start, hex, window: Math.max(64, Math.ceil(hex.length * 2.77 * 1.5)) };
  }

  function nextPrime(n: bigint): bigint {
    if (n < SMALL) return nextPrimeBigInt(n);
    let { start, hex, window } = firstOdd(n);
    if (hex.length > (MAX_LIMBS - 1) * 6) return nextPrimeBigInt(n);
    if (marks.length !== window) marks = new Uint8Array(window);
    for (;;) {
      sieve(hex, marks);
      const p = firstPrime(start, hex);
      if (p !== undefined) return p;
      start += BigInt(2 * window);
      hex = start.toString(16);
    }
  }

  /** Moves s to its next survivor (to later windows if need be); false if it left the kernel's range. */
  function advance(s: Search): boolean {
    for (;;) {
      while (s.i < s.marks.length && s.marks[s.i]) s.i++;
      if (s.i < s.marks.length) return true;
      s.start += BigInt(2 * s.marks.length);
      s.hex = s.start.toString(16);
      if (s.hex.length >= BATCH_MAX_HEX) return false;
      sieve(s.hex, s.marks);
      s.i = 0;
    }
  }

  /**
   * Several searches at once, each round testing up to four survivors in the SIMD kernel's lanes: one from
   * each open search, then (when fewer than four are open) further survivors of the same windows, taken
   * in turn. A search leaves the open ones at its first survivor that passes the base-2 round (the lanes
   * of its later survivors were spent for nothing); those survivors get the strong Lucas test four at a
   * time (lucas-pair-kernel.ts), and the rare one that fails it (a base-2 strong pseudoprime) sends its
   * search back to the open ones, from the survivor after it. Starts are taken in order of size, so that
   * a batch's numbers mostly share a limb count.
   */
  function nextPrimesBatched(ns: readonly bigint[], out: bigint[], indices: number[]): void {
    const firsts = indices.map((index) => ({ index, ...firstOdd(ns[index] as bigint) }));
    firsts.sort((a, b) => a.hex.length - b.hex.length);
    const open: Search[] = [];
    /** Searches whose survivor passed the base-2 round, for the strong Lucas test. */
    const passedBase2: Search[] = [];
    /** Marks arrays of ended searches, for reuse. */
    const spare: Uint8Array[] = [];
    let next = 0;
    const cands: bigint[] = [];
    const owners: Search[] = [];
    const positions: number[] = [];
    const survivor = (s: Search, i: number): bigint => s.start + BigInt(2 * i);
    /** The strong Lucas test on up to four searches' survivors that passed the base-2 round. */
    const lucas = (): void => {
      const batch = passedBase2.splice(0, BATCH);
      const prime = strongLucasBatch(batch.map((s) => survivor(s, s.found)));
      batch.forEach((s, j) => {
        if (prime[j]) {
          out[s.index] = survivor(s, s.found);
          spare.push(s.marks);
        } else {
          s.i = s.found + 1;
          s.done = false;
          open.push(s);
        }
      });
    };
    for (;;) {
      while (open.length < BATCH && next < firsts.length) {
        const { index, start, hex, window } = firsts[next++] as (typeof firsts)[number];
        let marks = spare.pop();
        if (marks?.length !== window) marks = new Uint8Array(window);
        const s: Search = { index, start, hex, marks, i: 0, taken: 0, done: false, found: 0 };
        sieve(hex, s.marks);
        open.push(s);
      }
      if (passedBase2.length >= BATCH || (open.length === 0 && passedBase2.length > 0)) {
        lucas();
        continue;
      }
      if (open.length === 0) return;
      cands.length = 0;
      owners.length = 0;
      positions.length = 0;
      for (let j = 0; j < open.length; ) {
        const s = open[j] as Search;
        if (advance(s)) {
          s.taken = s.i;
          j++;
          continue;
        }
        // past the kernel's numbers (near 2^444): the rest of this search goes the one-by-one way
        out[s.index] = nextPrime(s.start - 1n);
        open.splice(j, 1);
      }
      // one survivor from each open search, then more from the same windows, in turn
      for (let more = true; cands.length < BATCH && more; ) {
        more = false;
        for (let j = 0; j < open.length && cands.length < BATCH; j++) {
          const s = open[j] as Search;
          let i = s.taken;
          while (i < s.marks.length && s.marks[i]) i++;
          if (i >= s.marks.length) continue;
          cands.push(survivor(s, i));
          owners.push(s);
          positions.push(i);
          s.taken = i + 1;
          more = true;
        }
      }
      if (cands.length === 0) continue;
      const passed = strongProbablePrime2Batch(cands);
      for (let j = 0; j < cands.length; j++) {
        const s = owners[j] as Search;
        if (s.done) continue;
        if (passed[j]) {
          s.done = true;
          s.found = positions[j] as number;
          passedBase2.push(s);
        } else s.i = (positions[j] as number) + 1;
      }
      for (let j = open.length - 1; j >= 0; j--) if ((open[j] as Search).done) open.splice(j, 1);
    }
  }

  return {
    nextPrime,
    nextPrimes(ns: readonly bigint[]): bigint[] {
      const out: bigint[] = new Array(ns.length);
      const batched: number[] = [];
      ns.forEach((n, i) => {
        if (survivors === "batch" && n >= SMALL && n < BATCH_LIMIT) batched.push(i);
        else out[i] = nextPrime(n);
      });
      nextPrimesBatched(ns, out, batched);
      return out;
    },
  };
}

/**
 * A getter of GMP that starts `load` the first time it is called and gives undefined until the load has
 * finished (and for good if it fails): engines only call it for numbers past the SIMD kernel's 440 bits.
 */
export function lazyGmp(load: () => Promise<GMPFunctions>): () => GMPFunctions | undefined {
  let binding: GMPFunctions | undefined;
  let asked = false;
  return () => {
    if (!asked) {
      asked = true;
      load().then(
        (lib) => {
          binding = lib;
        },
        () => undefined, // GMP failed to load: the BigInt test stays
      );
    }
    return binding;
  };
}

let engine: NextPrimeEngine | undefined;

/**
 * The engine of this thread. GMP is loaded lazily (lazyGmp): importing and instantiating it costs ~30 ms
 * and a core's worth of background compilation, which the L=100 prime datasets would pay for nothing.
 * Until it is there, numbers past the kernels get the BigInt BPSW test (the same test).
 */
export async function getNextPrimeEngine(): Promise<NextPrimeEngine> {
  // imported only when needed, not at the top: loading the module alone costs ~30 ms, in every thread
  engine ??= createNextPrimeEngine(
    lazyGmp(() => import("gmp-wasm").then(async ({ init }) => (await init()).binding)),
  );
  return engine;
}
