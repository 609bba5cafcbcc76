import { cpSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ExitCode } from "../../src/core/errors.js";
import { useResponsesServer } from "../helpers/loopback-cli.js";
import { runCli, tempDir } from "../helpers/spawn-cli.js";

const startServer = useResponsesServer();
const FIXTURES = fileURLToPath(new URL("../fixtures", import.meta.url));

/**
 * The paper's prompt, from its fixture (test/fixtures/paper_prompt_*.txt) with the fixture's length and
 * training lines replaced by those given: an expectation built without the prompt code under test.
 */
function expectedPrompt(kind: "binary" | "decimal", length: number, trainTxt: string): string {
  const fixture = readFileSync(join(FIXTURES, `paper_prompt_${kind}.txt`), "utf8");
  const open = fixture.indexOf("```\n") + 4;
  const close = fixture.indexOf("```\n", open);
  return (
    fixture.slice(0, open).replace(/\(\w+, length \d+\)/, `(${kind}, length ${length})`) +
    trainTxt +
    fixture.slice(close)
  );
}

/** The one seed folder of `<dir>/<target>/L<length>`. */
const seedDir = (dir: string, target: string, length: number): string => {
  const base = join(dir, target, `L${length}`);
  const [seed, ...more] = readdirSync(base);
  expect(more).toEqual([]);
  return join(base, seed!);
};

describe("run --dry-run with no API key", () => {
  it("prints the paper prompt of every grid point, calls nothing, writes no artifact, exits 0", async () => {
    const server = await startServer({ script: () => ({ kind: "completed", text: "{}" }) });
    const cwd = tempDir();
    // The Python runner's datasets (100/100/100, base seed 7): found and reused as they are.
    const datasets = join(cwd, "datasets");
    cpSync(join(FIXTURES, "ref_datasets"), datasets, { recursive: true });
    const args = [
      "run",
      "--dry-run",
      "--functions",
      "fn_a",
      "fn_b",
      "fn_i",
      "--lengths",
      "20",
      "--test-size",
      "100",
      "--seed",
      "7",
    ];
    // OPENAI_API_KEY unset; OPENAI_BASE_URL points at the loopback server to see that nothing is called.
    const env = { OPENAI_BASE_URL: server.url };
    const res = await runCli(args, cwd, env);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(ExitCode.ok);

    const points = [
      { fn: "fn_a", target: "parity_all", kind: "binary" as const, reused: false },
      { fn: "fn_b", target: "parity_first_half", kind: "binary" as const, reused: true },
      { fn: "fn_i", target: "prime_decimal", kind: "decimal" as const, reused: true },
    ];
    const blocks = res.stdout.split(/^=== /m).filter(Boolean);
    expect(blocks).toHaveLength(points.length);
    for (const [i, p] of points.entries()) {
      const dir = seedDir(datasets, p.target, 20);
      const block = blocks[i]!;
      expect(block.split("\n")[0]).toBe(
        `${p.fn} (${p.target}) L=20: dataset ${join("datasets", dir.slice(datasets.length + 1))} (${p.reused ? "reused" : "built"}) ===`,
      );
      const trainTxt = readFileSync(join(dir, "train.txt"), "utf8");
      expect(trainTxt.split("\n").filter(Boolean)).toHaveLength(100);
      const prompt = block.slice(block.indexOf("\n") + 1);
      expect(prompt).toBe(`${expectedPrompt(p.kind, 20, trainTxt)}\n\n`);
    }
    // The Python runner's files were reused as they are.
    const ref = seedDir(join(FIXTURES, "ref_datasets"), "parity_first_half", 20);
    expect(readFileSync(join(seedDir(datasets, "parity_first_half", 20), "train.txt"), "utf8")).toBe(
      readFileSync(join(ref, "train.txt"), "utf8"),
    );

    expect(server.calls).toEqual([]);
    expect(server.modelChecks).toEqual([]);
    for (const f of ["runner.log", "results_attempts.jsonl", "results_attempts.csv", "results_summary.csv"]) {
      expect(existsSync(join(cwd, f))).toBe(false);
    }

    // DRY_RUN=1 (the Python runner's variable) does the same, even with --provider openai and no key.
    const again = await runCli(["run", "--provider", "openai", ...args.slice(2)], cwd, {
      ...env,
      DRY_RUN: "1",
    });
    expect(again.code).toBe(ExitCode.ok);
    expect(again.stdout).toBe(res.stdout.replace("(built)", "(reused)"));
    expect(server.calls).toEqual([]);
    expect(server.modelChecks).toEqual([]);

    // --shard narrows the dry run to the shard's grid points, as it narrows a real run.
    const shards = await Promise.all(
      ["1/2", "2/2"].map((shard) => runCli([...args, "--shard", shard], cwd, env)),
    );
    const heads = shards.map((r) => r.stdout.split("\n").filter((l) => l.startsWith("=== ")));
    expect(shards.map((r) => r.code)).toEqual([ExitCode.ok, ExitCode.ok]);
    expect(heads[0]!.length + heads[1]!.length).toBe(points.length);
    expect([...heads[0]!, ...heads[1]!].sort()).toEqual(
      res.stdout
        .split("\n")
        .filter((l) => l.startsWith("=== "))
        .map((l) => l.replace("(built)", "(reused)"))
        .sort(),
    );
  });
});
