import { type GridPoint, gridPointKey } from "../core/grid.js";
import { buildDatasets } from "../dataset/build-pool.js";
import { checkSpec, specForPoint, specsForGrid } from "../dataset/spec.js";
import { buildPaperPrompt } from "../prompt/paper-prompt.js";
import { renderTemplate } from "../prompt/user-prompt.js";
import { estimateGridCost } from "../proposer/cost-estimate.js";
import type { Price } from "../proposer/pricing.js";
import { estimateInputTokens } from "../runner/grid-runner.js";
import type { RunSettings } from "../runner/run-config.js";
import { getTask } from "../tasks/registry.js";
import { promptAlphabet } from "../tasks/task.js";
import { requestedPricingMode } from "./cost-options.js";
import type { GridOptions } from "./grid-options.js";

/**
 * `run --dry-run`: builds or reuses each grid point's dataset and prints the prompt the model would get.
 * Needs no API key and calls nothing. `points` narrows the grid (e.g. to one `--shard`). Returns the
 * prompts it printed by `gridPointKey` of (task, length), for the cost estimate.
 */
export async function runDryRun(
  grid: GridOptions,
  out: NodeJS.WritableStream,
  points?: readonly GridPoint[],
  template?: string,
): Promise<Map<string, string>> {
  const prompts = new Map<string, string>();
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
    const prompt =
      template !== undefined
        ? renderTemplate(template, dataset.train)
        : buildPaperPrompt(dataset.train, {
            decimal: dataset.decimal,
            length: dataset.length,
            alphabet: promptAlphabet(getTask(spec.fn)),
          });
    prompts.set(gridPointKey({ fn: spec.fn, length: spec.length }), prompt);
    out.write(`${prompt}\n\n`);
  }
  return prompts;
}

/**
 * What `run --dry-run` prints about money before anything is spent: the grid's cost when every attempt
 * is used with every output token (an upper bound) at the chosen options (--batch-api, --service-tier,
 * --prompt-cache), beside the same at standard rates without the cache.
 */
export function dryRunCostLines(o: {
  settings: RunSettings;
  base: Price | undefined;
  prompts: readonly string[];
}): string {
  const s = o.settings;
  const head = `estimated cost, upper bound (${o.prompts.length} grid point(s) x ${s.attempts} attempt(s), ${s.maxOutputTokens} output tokens each, ${s.model})`;
  if (o.base === undefined)
    return `${head}: no price known for --model ${s.model}; give one with --prices FILE`;
  const inputTokens = o.prompts.map(estimateInputTokens);
  const common = { inputTokens, attempts: s.attempts, outputTokens: s.maxOutputTokens, price: o.base };
  const mode = requestedPricingMode(s);
  const chosen = estimateGridCost({ ...common, mode, cache: s.promptCache });
  const standard = estimateGridCost({ ...common, mode: "standard", cache: false });
  const usd = (x: number | undefined) => (x === undefined ? "unknown (no rate for it)" : `$${x.toFixed(2)}`);
  return [
    `${head}: ${usd(chosen.usd)} at ${mode} rates${s.promptCache ? " with the prompt cache (attempts 2.. at the cached rate)" : ""}; ${chosen.calls} call(s), ${chosen.inputTokens} input tokens (estimated from the prompts' length)`,
    `  at standard rates without the prompt cache: ${usd(standard.usd)}`,
  ].join("\n");
}
