import type { Example, Splits } from "../core/example.js";
import { createRandom } from "../core/random.js";
import { checkSpec, type DatasetSpec, derivedSeed } from "./spec.js";

/**
 * Generates a dataset's splits, deterministically in the spec: one pool of N = train + val + test examples
 * (N/2 positives, the rest negatives); per class shuffle, then train/2 of each for train, val/2 for val, the
 * rest for test. Train and val are shuffled; test lists negatives then positives, as the runner writes it.
 */
export async function generateSplits(spec: DatasetSpec): Promise<Splits> {
  const task = checkSpec(spec);
  const rng = createRandom(derivedSeed(spec));
  const total = spec.trainSize + spec.valSize + spec.testSize;
  const wantPos = Math.floor(total / 2);
  const wantNeg = total - wantPos;
  const pool = await task.sample(rng, spec.length, wantPos, wantNeg);
  if (pool.positives.length !== wantPos || pool.negatives.length !== wantNeg) {
    throw new Error(
      `${spec.fn} sampler returned ${pool.positives.length}/${pool.negatives.length} examples, expected ${wantPos}/${wantNeg}`,
    );
  }
  const pos = rng.shuffle([...pool.positives]);
  const neg = rng.shuffle([...pool.negatives]);
  const trainHalf = spec.trainSize / 2;
  const valEnd = trainHalf + spec.valSize / 2;
  const one = (x: string): Example => ({ x, y: 1 });
  const zero = (x: string): Example => ({ x, y: 0 });
  const train = rng.shuffle([...pos.slice(0, trainHalf).map(one), ...neg.slice(0, trainHalf).map(zero)]);
  const val = rng.shuffle([
    ...pos.slice(trainHalf, valEnd).map(one),
    ...neg.slice(trainHalf, valEnd).map(zero),
  ]);
  const test = [...neg.slice(valEnd).map(zero), ...pos.slice(valEnd).map(one)];
  return { train, val, test };
}
