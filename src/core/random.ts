/**
 * The only source of randomness for dataset generation. Deterministic in its seed on every machine.
 * (Implementation: see createRandom below; owned by the datasets module.)
 */
export interface RandomSource {
  /** Uniform integer in [0, n), n >= 1 and n <= 2^32. */
  int(n: number): number;
  /** Uniform bigint in [lo, hi] inclusive. */
  bigint(lo: bigint, hi: bigint): bigint;
  /** Uniform float in [0, 1). */
  float(): number;
  /** Fisher-Yates shuffle in place; returns the array. */
  shuffle<T>(items: T[]): T[];
}
