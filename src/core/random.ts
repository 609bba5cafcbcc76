import { uniformBigInt } from "pure-rand/distribution/uniformBigInt";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";

/**
 * The only source of randomness for dataset generation. Deterministic in its seed on every machine.
 * (Implementation: see createRandom below; owned by the datasets module.)
 */
export interface RandomSource {
  /** Uniform integer in [0, n), n >= 1 and n <= 2^32. */
  int(n: number): number;
  /** Uniform 32-bit unsigned integer: the same draw as int(2^32), whose low k bits are int(2^k). */
  uint32(): number;
  /** Uniform bigint in [lo, hi] inclusive. */
  bigint(lo: bigint, hi: bigint): bigint;
  /** Uniform float in [0, 1). */
  float(): number;
  /** Fisher-Yates shuffle in place; returns the array. */
  shuffle<T>(items: T[]): T[];
}

/**
 * A deterministic RandomSource: xoroshiro128+ (pure-rand) seeded with a 32-bit seed. The same seed gives
 * the same sequence on every machine (pure integer arithmetic, no platform randomness).
 */
export function createRandom(seed: number): RandomSource {
  const gen = xoroshiro128plus(seed | 0);
  const int = (n: number): number => {
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 32)
      throw new RangeError(`RandomSource.int: bad bound ${n}`);
    return uniformInt(gen, 0, n - 1);
  };
  return {
    int,
    // uniformInt over a power-of-two range up to 2^32 takes one draw, never rejected, and keeps its low
    // bits (pure-rand's uniformIntInternal): next() + 2^31, as here.
    uint32: () => gen.next() + 2 ** 31,
    bigint: (lo, hi) => {
      if (hi < lo) throw new RangeError(`RandomSource.bigint: empty range [${lo}, ${hi}]`);
      return uniformBigInt(gen, lo, hi);
    },
    float: () => uniformFloat64(gen),
    shuffle<T>(items: T[]): T[] {
      for (let i = items.length - 1; i > 0; i--) {
        const j = int(i + 1);
        const tmp = items[i] as T;
        items[i] = items[j] as T;
        items[j] = tmp;
      }
      return items;
    },
  };
}
