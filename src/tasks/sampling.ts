import { UsageError } from "../core/errors.js";
import type { RandomSource } from "../core/random.js";
import type { SampledPool } from "./task.js";

/** A uniform random bit string of the given length (32 bits per draw). */
export function randomBits(rng: RandomSource, length: number): string {
  let out = "";
  let remaining = length;
  while (remaining > 0) {
    const take = Math.min(32, remaining);
    // int(2^take) is the low `take` bits of one 32-bit draw: written 8 bits at a time from a table
    const v = rng.uint32();
    for (let shift = take - 8; shift > -8; shift -= 8) {
      const bits = shift >= 0 ? 8 : 8 + shift;
      out += BYTE_STRINGS[bits]?.[(v >>> Math.max(0, shift)) & ((1 << bits) - 1)] as string;
    }
    remaining -= take;
  }
  return out;
}

/** BYTE_STRINGS[w][x]: x as w binary digits (w = 1..8). */
const BYTE_STRINGS: readonly (readonly string[])[] = Array.from({ length: 9 }, (_, w) =>
  Array.from({ length: 1 << w }, (_, x) => x.toString(2).padStart(w, "0")),
);

/** The error for asking more distinct examples of a class than exist. */
function tooFewDistinct(
  taskId: string,
  length: number,
  what: string,
  requested: number,
  available: bigint | number,
): UsageError {
  return new UsageError(
    `${taskId} at L=${length}: ${requested} distinct ${what} requested, but only ${available} exist; ` +
      "lower --train-size/--val-size/--test-size or choose a larger length (--lengths)",
  );
}

/** Throws when a rejection loop stops finding anything new (a class has run out of distinct strings). */
export class StallGuard {
  private misses = 0;
  constructor(
    private readonly taskId: string,
    private readonly length: number,
    private readonly what: string,
    private readonly requested: number,
    private readonly limit = 1_000_000,
  ) {}
  hit(): void {
    this.misses = 0;
  }
  miss(found: number): void {
    if (++this.misses > this.limit) {
      throw new UsageError(
        `${this.taskId} at L=${this.length}: found only ${found} of ${this.requested} distinct ${this.what} ` +
          `after ${this.limit} draws in a row without a new one; lower --train-size/--val-size/--test-size ` +
          "or choose a larger length (--lengths)",
      );
    }
  }
}

/**
 * Draw strings from `draw`, label them, and keep each new one while its class still needs examples,
 * until both classes are full: the paper's sampler for tasks with uniform inputs.
 */
export function sampleByLabel(
  taskId: string,
  length: number,
  positives: number,
  negatives: number,
  draw: () => string,
  label: (x: string) => 0 | 1,
): SampledPool {
  const seen = new Set<string>();
  const pos: string[] = [];
  const neg: string[] = [];
  const guard = new StallGuard(taskId, length, "strings", positives + negatives);
  while (pos.length < positives || neg.length < negatives) {
    const x = draw();
    const bucket = label(x) === 1 ? pos : neg;
    const need = bucket === pos ? positives : negatives;
    if (bucket.length < need && !seen.has(x)) {
      seen.add(x);
      bucket.push(x);
      guard.hit();
    } else {
      guard.miss(pos.length + neg.length);
    }
  }
  return { positives: pos, negatives: neg };
}

/** Collect `count` distinct strings from `draw` (values not accepted by `keep` are skipped). */
export function collectDistinct(
  count: number,
  draw: () => string | null,
  guard: StallGuard,
  exclude?: ReadonlySet<string>,
): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  while (out.length < count) {
    const x = draw();
    if (x !== null && !seen.has(x) && !exclude?.has(x)) {
      seen.add(x);
      out.push(x);
      guard.hit();
    } else {
      guard.miss(out.length);
    }
  }
  return out;
}

/** Check exact class capacities before sampling distinct strings. */
export function checkCapacity(
  taskId: string,
  length: number,
  positives: number,
  negatives: number,
  capacity: { positives: bigint; negatives: bigint },
): void {
  if (BigInt(positives) > capacity.positives)
    throw tooFewDistinct(taskId, length, "positive strings", positives, capacity.positives);
  if (BigInt(negatives) > capacity.negatives)
    throw tooFewDistinct(taskId, length, "negative strings", negatives, capacity.negatives);
}

/** Count strings of length L over {0,1} for which `label` is 1, by enumeration (small L only). */
export function enumerateCapacity(
  length: number,
  label: (x: string) => 0 | 1,
): { positives: bigint; negatives: bigint } {
  let pos = 0;
  const total = 2 ** length;
  for (let v = 0; v < total; v++) pos += label(v.toString(2).padStart(length, "0"));
  return { positives: BigInt(pos), negatives: BigInt(total - pos) };
}
