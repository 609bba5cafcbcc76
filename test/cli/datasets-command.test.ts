import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { runDryRun } from "../../src/cli/dry-run.js";
import { main } from "../../src/cli/main.js";
import { ExitCode } from "../../src/core/errors.js";

let dir: string;
let out: string;
let err: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "llm-erm-cli-"));
  out = "";
  err = "";
  process.exitCode = undefined;
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const run = (...args: string[]) =>
  main(["node", "llm-erm", "datasets", ...args, "--dataset-dir", dir, "--test-size", "40", "--seed", "3"]);

describe("llm-erm datasets", () => {
  it("builds, verifies and shows the grid; a damaged dataset exits with the damaged code", async () => {
    expect(await run("build", "--functions", "fn_a", "fn_h", "--lengths", "20", "40", "--jobs", "1")).toBe(
      ExitCode.ok,
    );
    expect(out).toMatch(/\| fn_h \| 40 \| built \|/);
    expect(readdirSync(join(dir, "dyck2"))).toEqual(["L20", "L40"]);

    out = "";
    expect(await run("build", "--functions", "fn_a", "--lengths", "20", "--jobs", "1")).toBe(ExitCode.ok);
    expect(out).toMatch(/\| fn_a \| 20 \| reused \|/);

    out = "";
    expect(await run("verify", "--functions", "fn_a", "fn_h", "--lengths", "20", "40")).toBe(ExitCode.ok);
    expect(out.match(/^ok /gm)).toHaveLength(4);

    out = "";
    expect(await run("show", "--functions", "fn_h", "--lengths", "40", "--lines", "2")).toBe(ExitCode.ok);
    expect(out).toMatch(/dyck2.*L=40[\s\S]*train 100, val 100, test 40/);

    const l40 = join(dir, "dyck2", "L40");
    const seedDir = join(l40, readdirSync(l40)[0] as string);
    writeFileSync(join(seedDir, "train.txt"), "0101 -> 1\n");
    out = "";
    expect(await run("verify", "--functions", "fn_h", "--lengths", "40")).toBe(ExitCode.damaged);
    expect(out).toMatch(/DAMAGED .*train\.txt: SHA-256/);
    process.exitCode = undefined;
    expect(await run("build", "--functions", "fn_h", "--lengths", "40", "--jobs", "1")).toBe(
      ExitCode.damaged,
    );
    expect(err).toMatch(/damaged dataset .*train\.txt/);
  });

  it("100/100 then 150/50 (one directory): verify says other sizes, build regenerates, never damaged", async () => {
    const grid = ["--functions", "fn_a", "--lengths", "20"];
    expect(await run("build", ...grid, "--jobs", "1")).toBe(ExitCode.ok);
    const sizes = ["--train-size", "150", "--val-size", "50"];
    out = "";
    expect(await run("verify", ...grid, ...sizes)).toBe(ExitCode.failure);
    expect(out).toMatch(/^other {4}fn_a L=20 .*built for train 100, val 100, test 40\)$/m);
    expect(out).not.toMatch(/DAMAGED/);
    out = "";
    err = "";
    process.exitCode = undefined;
    expect(await run("show", ...grid, ...sizes, "--lines", "1")).toBe(ExitCode.ok);
    expect(out).toMatch(/built for other split sizes[\s\S]*train 100, val 100, test 40/);
    out = "";
    expect(await run("build", ...grid, ...sizes, "--jobs", "1")).toBe(ExitCode.ok);
    expect(out).toMatch(/\| fn_a \| 20 \| rebuilt \|/);
    expect(err).toMatch(/fn_a L=20 rebuilt .*held train 100, val 100, test 40: regenerated for these sizes/);
    out = "";
    expect(await run("verify", ...grid, ...sizes)).toBe(ExitCode.ok);
    expect(out).toMatch(/^ok {7}fn_a L=20 /m);
  });

  it("reports a missing dataset in verify without building it", async () => {
    expect(await run("verify", "--functions", "fn_b", "--lengths", "20")).toBe(ExitCode.failure);
    expect(out).toMatch(/^missing /m);
  });

  it("--lengths without --functions leaves out the tasks that cannot take them, in one line", async () => {
    expect(await run("verify", "--lengths", "30")).toBe(ExitCode.failure);
    expect(out.match(/^missing /gm)).toHaveLength(11);
    expect(out).not.toContain("fn_h");
    expect(err).toMatch(/^llm-erm: --lengths: skipped fn_h \(dyck2\) at L=30 .*--functions/m);
  });

  it("exits 2 with a clear message on bad input", async () => {
    expect(await run("build", "--functions", "fn_a", "fn_q")).toBe(ExitCode.usage);
    expect(err).toMatch(/unknown function id 'fn_q'/);
    err = "";
    expect(await run("build", "--functions", "fn_h", "--lengths", "30")).toBe(ExitCode.usage);
    expect(err).toMatch(/--lengths: fn_h .*L=30/);
    err = "";
    expect(await run("build", "--functions", "fn_a", "--train-size", "7")).toBe(ExitCode.usage);
    expect(err).toMatch(/--train-size must be even/);
    err = "";
    expect(await run("build", "--functions", "fn_a", "--lengths", "4")).toBe(ExitCode.usage);
    expect(err).toMatch(/fn_a at L=4: .* requested, but only 8 exist/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("runDryRun", () => {
  it("prints the paper prompt for each grid point from its dataset, with no API key", async () => {
    const sink = new PassThrough();
    let text = "";
    sink.on("data", (c) => {
      text += String(c);
    });
    const saved = process.env.OPENAI_API_KEY;
    delete process.env.OPENAI_API_KEY;
    try {
      await runDryRun(
        {
          functions: ["fn_i", "fn_a"],
          lengths: [20],
          trainSize: 4,
          valSize: 2,
          testSize: 2,
          seed: 1,
          datasetDir: dir,
        },
        sink,
      );
    } finally {
      if (saved !== undefined) process.env.OPENAI_API_KEY = saved;
    }
    expect(text.match(/\*\*Problem Statement:\*\*/g)).toHaveLength(2);
    expect(text).toMatch(
      /=== fn_i \(prime_decimal\) L=20[^\n]*built[\s\S]*\(decimal, length 20\)[\s\S]*```\n(\d{20} -> [01]\n){4}```/,
    );
    expect(text).toMatch(/=== fn_a \(parity_all\) L=20[\s\S]*\(binary, length 20\)/);
  });
});
