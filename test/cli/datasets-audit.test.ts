import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AuditedDataset } from "../../src/cli/audit-command.js";
import { main } from "../../src/cli/main.js";
import { ExitCode } from "../../src/core/errors.js";

let dir: string;
let out: string;
let err: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "llm-erm-audit-"));
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

const audit = (...args: string[]) =>
  main([
    "node",
    "llm-erm",
    "datasets",
    "audit",
    ...args,
    "--dataset-dir",
    dir,
    "--test-size",
    "1000",
    "--enum-max-programs",
    "20000",
  ]);

describe("llm-erm datasets audit", () => {
  it("--json: fn_g at L=20 leaks test lines into train and the parity of the 1s is right on test", async () => {
    expect(await audit("--functions", "fn_g", "fn_i", "--lengths", "20", "--json")).toBe(ExitCode.ok);
    const audited = JSON.parse(out) as AuditedDataset[];
    expect(audited.map((a) => [a.fn, a.target_name, a.length])).toEqual([
      ["fn_g", "palindrome", 20],
      ["fn_i", "prime_decimal", 20],
    ]);
    const [g, i] = audited as [AuditedDataset, AuditedDataset];
    expect(g.report.splits.test.lines).toBe(1000);
    expect(g.report.splits.test.repeated_lines).toBeGreaterThan(0); // 1024 palindromes exist at L=20
    expect(g.report.overlap.test_in_train.lines).toBeGreaterThan(0);
    const parity = g.report.shortcuts.find((s) => s.rule === "the number of 1s is even");
    expect(parity?.accuracy.test).toBe(1);
    const trial = i.report.shortcuts.find((s) => s.rule.startsWith("no prime below 100"));
    expect(trial?.test_accuracy_by_label["1"]).toBe(1);
    expect(trial?.test_accuracy_by_label["0"]).toBeGreaterThan(0.95);
    expect(i.report.shortcuts.filter((s) => s.source === "enumerator")).toHaveLength(3);
    expect(err).toMatch(/audited fn_g L=20/);
  });

  it("tables: one summary row per dataset, then the shortcut rules; fn_aa selectable by name", async () => {
    expect(await audit("--functions", "fn_h", "fn_aa", "--lengths", "36", "--shortcut-rules", "1")).toBe(
      ExitCode.ok,
    );
    expect(out).toMatch(/^\| fn \| L \| repeated lines train\/val\/test \| test in train \|/);
    expect(out).toMatch(/^\| fn_h \| 36 \| \d+\/\d+\/\d+ \| \d+ \([\d.]+%\) \|/m);
    expect(out).toMatch(/^\| fn_aa \| 36 \| 0\/0\/0 \| 0 \(0\.0%\) \| 0 \(0\.0%\) \|.*\| - \| - \|$/m);
    expect(out).toMatch(/^\| fn_h \| 36 \| rule \| `(not: )?the number of 1s is even` \|/m);
    expect(out.match(/^\| fn_aa \| 36 \| enumerator/gm)).toHaveLength(1);

    // the edge-list alphabet is what verify checks and show names
    out = "";
    const grid = ["--functions", "fn_aa", "--lengths", "36", "--dataset-dir", dir, "--test-size", "1000"];
    expect(await main(["node", "llm-erm", "datasets", "verify", ...grid])).toBe(ExitCode.ok);
    expect(out).toMatch(/^ok .*graph_has_cycle/m);
    out = "";
    expect(await main(["node", "llm-erm", "datasets", "show", ...grid, "--lines", "1"])).toBe(ExitCode.ok);
    expect(out).toMatch(/fn_aa \(graph_has_cycle, edge list\) L=36[\s\S]*\n {2}(u\d\dv\d\d){6} -> [01]\n/);
  });

  it("--data: a user's files as run --data reads them; a leak, near-duplicates and class labels reported", async () => {
    // a split column: "abba" is in train and test (a leak), "abbb" one edit from it; label: first character
    const rows = [
      ["abba", "a", "train"],
      ["bbab", "b", "train"],
      ["cabc", "c", "train"],
      ["acca", "a", "train"],
      ["abcb", "a", "train"],
      ["bcaa", "b", "train"],
      ["caab", "c", "train"],
      ["bcab", "b", "val"],
      ["ccba", "c", "val"],
      ["aabb", "a", "val"],
      ["abba", "a", "test"],
      ["abbb", "a", "test"],
      ["cccc", "c", "test"],
    ];
    const file = join(dir, "first.csv");
    writeFileSync(file, `input,label,split\n${rows.map((r) => r.join(",")).join("\n")}\n`);
    expect(await audit("--data", file, "--json")).toBe(ExitCode.ok);
    const [d] = JSON.parse(out) as [AuditedDataset];
    expect([d.fn, d.target_name, d.length, d.path]).toEqual(["data:first", "first", 4, file]);
    expect(d.report.overlap.test_in_train.lines).toBe(1);
    expect(d.report.near_duplicates.test_near_train_or_val.lines).toBeGreaterThanOrEqual(1);
    expect(d.report.splits.train.labels).toEqual({ a: 3, b: 2, c: 2 });
    const best = d.report.shortcuts.find((s) => s.source === "enumerator");
    expect(best?.accuracy.test).toBe(1);

    out = "";
    expect(await audit("--data", file)).toBe(ExitCode.ok);
    expect(out).toMatch(
      /^\| data:first \| 4 \| 0\/0\/0 \| 1 \(33\.3%\) \|.*\| 3 classes\/3 classes\/2 classes \|/m,
    );
  });

  it("--data: a bad file exits 2 naming its line, and nothing is audited", async () => {
    const file = join(dir, "bad.csv");
    writeFileSync(file, 'input,label\na,1\nb,0\n"a",0\n');
    expect(await audit("--data", file)).toBe(ExitCode.usage);
    expect(err).toMatch(/bad\.csv:4: the input "a" is labelled "0" here and "1" on line 2/);
    expect(out).toBe("");
  });

  it("a bad flag is a usage error", async () => {
    expect(await audit("--functions", "fn_a", "--lengths", "20", "--shortcut-rules", "x")).toBe(
      ExitCode.usage,
    );
    expect(err).toMatch(/--shortcut-rules/);
    err = "";
    expect(await audit("--functions", "fn_a", "--lengths", "20", "--enum-max-size", "0")).toBe(
      ExitCode.usage,
    );
    expect(err).toMatch(/--enum-max-size: expected a positive integer/);
  });
});
