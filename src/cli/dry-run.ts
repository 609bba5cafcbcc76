import type { GridPoint } from "../core/grid.js";
import { buildDatasets } from "../dataset/build-pool.js";
import { checkSpec, specForPoint, specsForGrid } from "../dataset/spec.js";
import { buildPaperPrompt } from "../prompt/paper-prompt.js";
import { renderTemplate } from "../prompt/user-prompt.js";
import type { GridOptions } from "./grid-options.js";

/**
 * `run --dry-run`: builds or reuses each grid point's dataset and prints the prompt the model would get.
 * Needs no API key and calls nothing. `points` narrows the grid (e.g. to one `--shard`).
 */
export async function runDryRun(
  grid: GridOptions,
  out: NodeJS.WritableStream,
  points?: readonly GridPoint[],
  template?: string,
): Promise<void> {
  const specs = points ? points.map((p) => specForPoint(grid, p)) : specsForGrid(grid);
  for (const spec of specs) checkSpec(spec);
  const results = await buildDatasets(specs, grid.datasetDir);
  for (const { spec, dataset, reused, path, replaced } of results) {
    const how = reused
      ? "reused"
      : replaced
        ? `rebuilt: it held train ${replaced.train}, val ${replaced.val}, test ${replaced.test}`
        : "built";
    out.write(`=== ${spec.fn} (${dataset.targetName}) L=${spec.length}: dataset ${path} (${how}) ===\n`);
    out.write(
      template !== undefined
        ? renderTemplate(template, dataset.train)
        : buildPaperPrompt(dataset.train, { decimal: dataset.decimal, length: dataset.length }),
    );
    out.write("\n\n");
  }
}
