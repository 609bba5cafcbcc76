import { z } from "zod";

/** The three split files, in the runner's names. */
export const SPLIT_FILES = { train: "train.txt", val: "val.txt", test: "test.txt" } as const;

const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

/**
 * meta.json: the runner's fields (fn, target_name, length, decimal, derived_seed, sizes, created_ts) plus,
 * in datasets we write, `generator` and `sha256` (a SHA-256 of each split file) so damage is detected.
 * Datasets written by the Python runner have no `sha256`.
 */
export const MetaSchema = z.looseObject({
  fn: z.string(),
  target_name: z.string(),
  length: z.number().int().positive(),
  decimal: z.boolean(),
  derived_seed: z.number().int().nonnegative(),
  sizes: z.object({
    train: z.number().int().nonnegative(),
    val: z.number().int().nonnegative(),
    test: z.number().int().nonnegative(),
  }),
  created_ts: z.number(),
  generator: z.string().optional(),
  sha256: z.object({ "train.txt": Sha256Hex, "val.txt": Sha256Hex, "test.txt": Sha256Hex }).optional(),
});
export type MetaJson = z.infer<typeof MetaSchema>;

/** meta.json's text, laid out as Python's json.dump(indent=2) writes it. */
export function formatMeta(meta: MetaJson): string {
  return JSON.stringify(meta, null, 2);
}
