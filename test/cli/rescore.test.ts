import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { beforeAll, describe, expect, it } from "vitest";
import { ExitCode } from "../../src/core/errors.js";
import { runCli, tempDir } from "../helpers/spawn-cli.js";

type Row = Record<string, string>;
const readCsv = (file: string): Row[] => parse(readFileSync(file, "utf8"), { columns: true }) as Row[];

describe("llm-erm rescore", () => {
  let cwd: string;
  let jsonl: string;

  beforeAll(async () => {
    cwd = tempDir();
    const run = await runCli(
      ["run", "--functions", "fn_a", "fn_f", "--lengths", "20", "--attempts", "2", "--test-size", "200"],
      cwd,
      {},
    );
    expect(run.code, run.stderr).toBe(ExitCode.ok);
    jsonl = join(cwd, "results_attempts.jsonl");
  }, 30_000);

  it("reproduces a finished run: exit 0, every row unchanged, the JSONL untouched", async () => {
    const before = readFileSync(jsonl);
    // The sizes come from run_manifest.json (--test-size 200), not the 10000 default.
    const res = await runCli(["rescore"], cwd, {});
    expect(res.code, res.stderr).toBe(ExitCode.ok);
    expect(readFileSync(jsonl).equals(before)).toBe(true);
    const rows = readCsv(join(cwd, "results_rescored.csv"));
    // fn_a is solved at attempt 1 (early stop), fn_f uses both attempts.
    expect(rows).toHaveLength(3);
    for (const r of rows) {
      expect(r.changed).toBe("False");
      expect(r.rescored_val_acc).toBe(r.val_acc);
      expect(r.rescored_test_acc).toBe(r.test_acc);
      expect(r.rescored_train_acc).toBe(r.train_acc);
      expect(r.rescored_outcome).toBe(r.outcome);
    }
    expect(res.stdout).toMatch(/^\| fn \| L \| proposer .*\| same \|$/m);
    expect(res.stdout).toMatch(
      /^\| fn_a \| 20 \| enumerative \| 1 \| 0 \| 1 \| 1\.0000 \| 1\.0000 \| 1 \| 1\.0000 \| 1\.0000 \| yes \|$/m,
    );
    expect(res.stdout).toMatch(/^\| fn_f \| 20 \| enumerative \| 2 \| 0 \|.*\| yes \|$/m);
  });

  it("an edited answer is re-scored from its text: exit 1, that row marked changed, input byte-identical", async () => {
    const lines = readFileSync(jsonl, "utf8").trimEnd().split("\n");
    const i = lines.findIndex((l) => (JSON.parse(l) as { fn: string }).fn === "fn_a");
    const rec = JSON.parse(lines[i] as string) as Record<string, unknown>;
    rec.text = JSON.stringify({ code: "def f(x):\n    return 0\n" });
    lines[i] = JSON.stringify(rec);
    const edited = join(cwd, "edited.jsonl");
    writeFileSync(edited, `${lines.join("\n")}\n`);
    // No manifest or runner log names this copy: the sizes are given as the run's.
    const res = await runCli(
      ["rescore", "edited.jsonl", "--test-size", "200", "--out-csv", "edited.csv"],
      cwd,
      {},
    );
    expect(res.code, res.stderr).toBe(ExitCode.failure);
    expect(readFileSync(edited, "utf8")).toBe(`${lines.join("\n")}\n`);
    const rows = readCsv(join(cwd, "edited.csv"));
    const a = rows.find((r) => r.fn === "fn_a");
    expect(a).toMatchObject({ val_acc: "1", changed: "True", rescored_outcome: "ok" });
    // A constant 0 gets the balanced validation split half right.
    expect(Number(a?.rescored_val_acc)).toBeLessThan(1);
    expect(rows.filter((r) => r.changed === "True")).toHaveLength(1);
    expect(res.stdout).toMatch(/^\| fn_a \| 20 \| enumerative \| 1 \| 1 \| 1 \| 1\.0000 \|.*\| no \|$/m);
    expect(res.stderr).toMatch(/changed: fn_a L=20 attempt 1/);
  });

  it("with other sizes it says which it used and notices the recorded prompt does not match", async () => {
    const other = tempDir();
    copyFileSync(jsonl, join(other, "results_attempts.jsonl"));
    const res = await runCli(["rescore", "--test-size", "300"], other, {});
    expect(res.stderr).toMatch(
      /datasets from the flags: --train-size 100 --val-size 100 --test-size 300 --seed 42/,
    );
    expect(res.stderr).toMatch(/recorded prompt does not hold this dataset's training lines for .*fn_a L=20/);
    expect(res.code).toBe(ExitCode.failure);
  });

  it("a missing file is exit 2 naming it; a damaged JSONL is exit 4 naming file and line", async () => {
    const missing = await runCli(["rescore", "nope.jsonl"], cwd, {});
    expect(missing.code).toBe(ExitCode.usage);
    expect(missing.stderr).toMatch(/nope\.jsonl: no such file/);
    const none = await runCli(["rescore"], tempDir(), {});
    expect(none.code).toBe(ExitCode.usage);
    expect(none.stderr).toMatch(/results_attempts\.jsonl: no such file/);
    writeFileSync(join(cwd, "bad.jsonl"), `not json\n${readFileSync(jsonl, "utf8")}`);
    const bad = await runCli(["rescore", "bad.jsonl"], cwd, {});
    expect(bad.code).toBe(ExitCode.damaged);
    expect(bad.stderr).toMatch(/bad\.jsonl:1:/);
  });
});
