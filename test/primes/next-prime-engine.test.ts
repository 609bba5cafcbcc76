import fc from "fast-check";
import { init } from "gmp-wasm";
import { describe, expect, it } from "vitest";
import { strongProbablePrime2Batch } from "../../src/primes/base2-pair-kernel.js";
import { createNextPrimeEngine, getNextPrimeEngine, lazyGmp } from "../../src/primes/next-prime-engine.js";
import { isProbablePrime, isStrongProbablePrime, nextPrime } from "../../src/primes/primality.js";

/** A start of 1 to maxDigits decimal digits, the digit count drawn uniformly. */
const startOfDigits = (maxDigits: number): fc.Arbitrary<bigint> =>
  fc
    .integer({ min: 1, max: maxDigits })
    .chain((digits) =>
      fc.bigInt({ min: digits === 1 ? 0n : 10n ** BigInt(digits - 1), max: 10n ** BigInt(digits) - 1n }),
    );

describe("next-prime engine", () => {
  it("agrees with the BigInt BPSW nextPrime on random starts of 1 to 120 digits", async () => {
    const engine = await getNextPrimeEngine();
    fc.assert(
      fc.property(startOfDigits(120), (n) => {
        expect(engine.nextPrime(n)).toBe(nextPrime(n));
      }),
      { numRuns: 300 },
    );
  });

  it("leaves nothing prime between the start and the result (30 and 100 digits)", async () => {
    const engine = await getNextPrimeEngine();
    for (const n of [10n ** 29n + 7n, 987654321987654321987654321987n, 10n ** 99n + 123456789n]) {
      const p = engine.nextPrime(n);
      expect(isProbablePrime(p)).toBe(true);
      for (let k = n + 1n; k < p; k++) expect(isProbablePrime(k), String(k)).toBe(false);
    }
  });

  it("crosses window ends: a maximal prime gap of 1132 after 1693182318746371", async () => {
    const engine = await getNextPrimeEngine();
    expect(engine.nextPrime(1693182318746371n)).toBe(1693182318747503n);
    expect(engine.nextPrime(1693182318746372n)).toBe(1693182318747503n);
    expect(engine.nextPrime(1693182318747502n)).toBe(1693182318747503n);
  });

  it("steps past a prime start, and handles starts at the edges of the 2^40 cut and of limbs", async () => {
    const engine = await getNextPrimeEngine();
    const p = 2n ** 127n - 1n;
    expect(engine.nextPrime(p - 1n)).toBe(p);
    expect(engine.nextPrime(p)).toBe(nextPrime(p));
    for (const e of [40n, 48n, 72n, 96n, 240n]) {
      for (const d of [-3n, -2n, -1n, 0n, 1n]) {
        const n = 2n ** e + d;
        expect(engine.nextPrime(n), String(n)).toBe(nextPrime(n));
      }
    }
  });

  it("gives the same primes whatever the sieve bound (the sieve only skips composites)", async () => {
    const { binding } = await init();
    const engines = [2 ** 5, 2 ** 11, 2 ** 17].map((b) => createNextPrimeEngine(binding, b));
    for (const n of [10n ** 19n, 10n ** 49n + 5n, 3n ** 200n]) {
      const expected = nextPrime(n);
      for (const e of engines) expect(e.nextPrime(n)).toBe(expected);
    }
    expect(() => createNextPrimeEngine(binding, 2 ** 21)).toThrow(/over 2\^20/);
  });

  it("gives the same primes whichever way survivors are decided (GMP, scalar wasm, SIMD batch)", async () => {
    const { binding } = await init();
    const engines = (["gmp", "scalar", "batch"] as const).map((t) =>
      createNextPrimeEngine(binding, undefined, t),
    );
    fc.assert(
      fc.property(
        fc
          .integer({ min: 13, max: 130 })
          .chain((digits) => fc.bigInt({ min: 10n ** BigInt(digits - 1), max: 10n ** BigInt(digits) - 1n })),
        (n) => {
          const expected = nextPrime(n);
          for (const e of engines) expect(e.nextPrime(n)).toBe(expected);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("answers many starts at once as one by one, whatever their sizes and order (searches share lanes)", async () => {
    const engine = await getNextPrimeEngine();
    fc.assert(
      fc.property(fc.array(startOfDigits(140), { maxLength: 12 }), (ns) => {
        expect(engine.nextPrimes(ns)).toEqual(ns.map(nextPrime));
      }),
      { numRuns: 60 },
    );
    // a gap longer than a window, searched next to others
    expect(engine.nextPrimes([1693182318746371n, 10n ** 30n, 2n ** 127n - 2n])).toEqual([
      1693182318747503n,
      nextPrime(10n ** 30n),
      2n ** 127n - 1n,
    ]);
    // a search whose window runs past 2^440, where the SIMD kernel's numbers end, goes on one by one
    // a 42-limb start: the sieve's tables grow to it
    const long = 10n ** 300n + 12345n;
    expect(engine.nextPrime(long)).toBe(nextPrime(long));
    const edge = 2n ** 440n - 3n;
    expect(engine.nextPrimes([edge, 10n ** 40n])).toEqual([nextPrime(edge), nextPrime(10n ** 40n)]);
  });

  it("goes on past base-2 strong pseudoprimes the sieve lets through (the strong Lucas test fails them)", async () => {
    const engine = await getNextPrimeEngine();
    // strong pseudoprimes to base 2 (and more) whose factors are all above the sieve bound
    const pseudoprimes = [3825123056546413051n, 318665857834031151167461n, 3317044064679887385961981n];
    for (const n of pseudoprimes) {
      expect(isStrongProbablePrime(n, 2n), String(n)).toBe(true);
      expect(isProbablePrime(n), String(n)).toBe(false);
    }
    expect(strongProbablePrime2Batch(pseudoprimes)).toEqual([true, true, true]);
    // each search's first survivor is the pseudoprime; batched with an ordinary start
    const starts = [...pseudoprimes.map((n) => n - 1n), 10n ** 60n];
    expect(engine.nextPrimes(starts)).toEqual(starts.map(nextPrime));
    for (const n of pseudoprimes) expect(engine.nextPrimes([n - 1n])).toEqual([nextPrime(n - 1n)]);
  });

  it("asks for GMP only when a number past the kernels comes, once, and uses it once loaded", async () => {
    const { binding } = await init();
    let loads = 0;
    let loaded: (g: typeof binding) => void = () => undefined;
    const gmp = lazyGmp(() => {
      loads++;
      return new Promise((resolve) => {
        loaded = resolve;
      });
    });
    const engine = createNextPrimeEngine(gmp);
    const small = [10n ** 99n + 7n, 10n ** 60n, 2n ** 300n];
    expect(engine.nextPrimes(small)).toEqual(small.map(nextPrime));
    expect(loads).toBe(0);
    const big = 2n ** 450n + 12345n;
    expect(engine.nextPrime(big)).toBe(nextPrime(big)); // BigInt BPSW while loading
    expect(loads).toBe(1);
    expect(gmp()).toBeUndefined();
    let gmpTests = 0;
    const counted = new Proxy(binding, {
      get(target, key, receiver) {
        if (key === "mpz_probab_prime_p") gmpTests++;
        return Reflect.get(target, key, receiver);
      },
    });
    loaded(counted);
    await Promise.resolve();
    expect(gmp()).toBe(counted);
    expect(engine.nextPrime(big + 1000n)).toBe(nextPrime(big + 1000n));
    expect(gmpTests).toBeGreaterThan(0);
    expect(loads).toBe(1);
  });

  it("keeps the BigInt test when GMP fails to load", async () => {
    const gmp = lazyGmp(() => Promise.reject(new Error("no wasm")));
    expect(gmp()).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(gmp()).toBeUndefined();
    const big = 2n ** 450n + 99n;
    expect(createNextPrimeEngine(gmp).nextPrime(big)).toBe(nextPrime(big));
  });

  it("decides numbers past the kernels by the BigInt BPSW until GMP is there, with the same answers", () => {
    const withoutGmp = createNextPrimeEngine(() => undefined);
    for (const n of [2n ** 450n + 12345n, 10n ** 140n]) expect(withoutGmp.nextPrime(n)).toBe(nextPrime(n));
    expect(withoutGmp.nextPrimes([10n ** 30n, 2n ** 450n])).toEqual([
      nextPrime(10n ** 30n),
      nextPrime(2n ** 450n),
    ]);
  });
});
