import { readFileSync } from "node:fs";
import { z } from "zod";

/**
 * The paper's coordinates for fn_e / fn_f: the first k entries of torch.randperm(L) right after
 * torch.manual_seed(42), for L = 1..256 (data/parity_rand_idx.json, shipped as package data).
 */
const IdxFileSchema = z.record(
  z.string().regex(/^\d+$/),
  z.record(z.string().regex(/^\d+$/), z.array(z.number().int().nonnegative())),
);

let cache: z.infer<typeof IdxFileSchema> | undefined;

function load(): z.infer<typeof IdxFileSchema> {
  if (cache === undefined) {
    const url = new URL("../../data/parity_rand_idx.json", import.meta.url);
    cache = IdxFileSchema.parse(JSON.parse(readFileSync(url, "utf8")));
  }
  return cache;
}

/** The k coordinates of fn_e (k = 3) / fn_f (k = 10) at length L, or undefined when none ship for L. */
export function parityRandIdx(length: number, k: number): readonly number[] | undefined {
  const idx = load()[String(length)]?.[String(k)];
  if (idx === undefined) return undefined;
  if (idx.some((i) => i >= length))
    throw new Error(`data/parity_rand_idx.json: coordinate out of range for L=${length}`);
  return idx;
}
