import { availableParallelism } from "node:os";
import { afterAll, describe, expect, it } from "vitest";
import { createRandom } from "../../src/core/random.js";
import { generateSplits } from "../../src/dataset/generate.js";
import {
  configureNextPrimes,
  DEFAULT_MIN_PARALLEL_MS,
  nextPrimes,
} from "../../src/primes/next-prime-pool.js";
import { nextPrime } from "../../src/primes/primality.js";

afterAll(() =>
  configureNextPrimes({ threads: availableParallelism(), minParallelMs: DEFAULT_MIN_PARALLEL_MS }),
);

describe("next-prime pool", () => {
  it("returns each start's next prime, in order, on helper threads", async () => {
    const rng = createRandom(11);
    const starts = Array.from({ length: 120 }, (_, i) => rng.bigint(10n ** BigInt(i % 40), 10n ** 40n));
    configureNextPrimes({ threads: 3, minParallelMs: 0 });
    const primes = await nextPrimes(starts);
    expect(primes).toEqual(starts.map(nextPrime));
    expect(await nextPrimes([])).toEqual([]);
  });

  it("gives byte-identical prime datasets with 1 thread and with 3", async () => {
    const spec = { fn: "fn_k", length: 30, trainSize: 40, valSize: 20, testSize: 300, seed: 9 };
    configureNextPrimes({ threads: 1 });
    const one = await generateSplits(spec);
    configureNextPrimes({ threads: 3, minParallelMs: 0 });
    expect(await generateSplits(spec)).toEqual(one);
    expect(await generateSplits({ ...spec, fn: "fn_i", length: 50 })).toEqual(
      await (async () => {
        configureNextPrimes({ threads: 1 });
        return generateSplits({ ...spec, fn: "fn_i", length: 50 });
      })(),
    );
  });

  it("rejects a thread count below 1", () => {
    expect(() => configureNextPrimes({ threads: 0 })).toThrow(/>= 1/);
  });
});
