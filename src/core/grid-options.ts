import { z } from "zod";

/**
 * Flags shared by `datasets` and `run`: the grid and the data. Names, defaults and environment
 * variables are the Python runner's (docs/runner.md, "Flags").
 */
export const GridOptionsSchema = z.object({
  functions: z.array(z.string()).min(1).optional(),
  lengths: z.array(z.number().int().positive()).min(1).optional(),
  trainSize: z.number().int().nonnegative(),
  valSize: z.number().int().nonnegative(),
  testSize: z.number().int().nonnegative(),
  seed: z.number().int(),
  datasetDir: z.string().min(1),
});
export type GridOptions = z.infer<typeof GridOptionsSchema>;
