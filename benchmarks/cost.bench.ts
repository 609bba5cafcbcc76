/**
 * The paper grid's estimated cost (60 grid points x 5 attempts, every attempt used with all of its
 * 20000 output tokens: the upper bound `run --dry-run` prints) at the defaults, with --batch-api, with
 * --service-tier flex and with --prompt-cache, for the default model and two others, from the built-in
 * price tables and the input tokens of the paper's prompts (their length / 2, the runner's own estimate;
 * the prompts only need the training split, so the datasets are built with a 10-example test split).
 * Run: npx tsx benchmarks/cost.bench.ts [--dataset-dir DIR] [--output-tokens N]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { runDryRun } from "../src/cli/dry-run.js";
import { readGridOptions } from "../src/cli/grid-options.js";
import { distinctPoints, expandTrials } from "../src/core/grid.js";
import { estimateGridCost } from "../src/proposer/cost-estimate.js";
import { BUILTIN_PRICES } from "../src/proposer/openai-pricing.js";
import type { Price, PricingMode } from "../src/proposer/pricing.js";
import { ANTHROPIC_PRICES } from "../src/proposer/providers/anthropic.js";
import { DEFAULT_MAX_OUTPUT_TOKENS } from "../src/proposer/request-options.js";
import { estimateInputTokens } from "../src/runner/grid-runner.js";
import { planGrid } from "../src/tasks/registry.js";

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const own = arg("--dataset-dir");
const outputTokens = Number(arg("--output-tokens") ?? DEFAULT_MAX_OUTPUT_TOKENS);
const dir = own ?? mkdtempSync(join(tmpdir(), "llm-erm-cost-"));
const ATTEMPTS = 5;

try {
  const grid = readGridOptions({ testSize: 10, datasetDir: dir });
  const { points } = planGrid(grid.functions, grid.lengths);
  // The prompts `run --dry-run` prints (it builds the datasets); printed nowhere here.
  const discard = new Writable({ write: (_chunk, _enc, done) => done() });
  const prompts = [...(await runDryRun(grid, discard, distinctPoints(expandTrials(points, 1)))).values()];
  const inputTokens = prompts.map(estimateInputTokens);
  const total = inputTokens.reduce((a, b) => a + b, 0);
  const scenarios: [string, PricingMode, boolean][] = [
    ["defaults", "standard", false],
    ["--prompt-cache", "standard", true],
    ["--service-tier flex", "flex", false],
    ["--batch-api", "batch", false],
    ["--batch-api --prompt-cache", "batch", true],
  ];
  const models: [string, Price][] = [
    ["gpt-5", BUILTIN_PRICES["gpt-5"]!],
    ["gpt-5-mini", BUILTIN_PRICES["gpt-5-mini"]!],
    ["claude-sonnet-4-5", ANTHROPIC_PRICES["claude-sonnet-4-5"]!],
  ];
  const usd = (x: number | undefined) => (x === undefined ? "n/a" : `$${x.toFixed(2)}`);
  console.log(
    `Paper grid: ${prompts.length} grid points x ${ATTEMPTS} attempts, ${outputTokens} output tokens per attempt; ` +
      `${total} prompt tokens over the grid (${Math.round(total / prompts.length)} per prompt, estimated as length / 2)\n`,
  );
  console.log(`| options | ${models.map(([m]) => `${m} (input part)`).join(" | ")} |`);
  console.log(`|---|${models.map(() => "---:").join("|")}|`);
  for (const [label, mode, cache] of scenarios) {
    const cells = models.map(([model, price]) => {
      if (mode === "flex" && !model.startsWith("gpt-")) return "n/a (openai only)";
      const common = { inputTokens, attempts: ATTEMPTS, price, mode, cache };
      const all = estimateGridCost({ ...common, outputTokens });
      const input = estimateGridCost({ ...common, outputTokens: 0 });
      return `${usd(all.usd)} (${usd(input.usd)})`;
    });
    console.log(`| ${label} | ${cells.join(" | ")} |`);
  }
} finally {
  if (own === undefined) rmSync(dir, { recursive: true, force: true });
}
