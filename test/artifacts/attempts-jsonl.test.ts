import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import type { AttemptRecord } from "../../src/artifacts/attempt-record.js";
import { PAPER_CSV_COLUMNS } from "../../src/artifacts/attempt-record.js";
import { attemptsCsv } from "../../src/artifacts/attempts-csv.js";
import { AttemptLog, latestByAttempt, readAttemptsJsonl } from "../../src/artifacts/attempts-jsonl.js";
import { DamagedArtifactError } from "../../src/artifacts/damaged-artifact-error.js";
import { ZERO_USAGE } from "../../src/proposer/openai-usage.js";

const record = (over: Partial<AttemptRecord> = {}): AttemptRecord => ({
  fn: "fn_a",
  length: 20,
  attempt: 1,
  prompt: 'p, with "quotes"\nand lines',
  text: '{"code": "def f(x): return 1"}',
  duration_ms: 12.5,
  cached_tokens: 0,
  prompt_tokens: 0,
  completion_tokens: 0,
  reasoning_tokens: 0,
  tool_uses: 0,
  tool_results_chars: 0,
  val_acc: 0.5,
  test_acc: 0.5,
  stopped_early: false,
  compile_error: "",
  usage: ZERO_USAGE,
  proposer: "openai:gpt-5",
  config_fingerprint: "abc",
  train_acc: 0.5,
  outcome: "ok",
  outcome_message: "",
  verify_ms: 3,
  cost_usd: 0.01,
  ts: "2025-01-01T00:00:00.000Z",
  ...over,
});

const tmp = () => mkdtempSync(join(tmpdir(), "jsonl-"));

describe("results_attempts.jsonl", () => {
  it("appends records that read back equal", () => {
    const file = join(tmp(), "a.jsonl");
    const log = new AttemptLog(file);
    log.append(record({ attempt: 1 }));
    log.append(record({ attempt: 2, error: "HTTP 500: x", val_acc: null }));
    log.close();
    expect(readAttemptsJsonl(file).records).toEqual([
      record({ attempt: 1 }),
      record({ attempt: 2, error: "HTTP 500: x", val_acc: null }),
    ]);
  });

  it("tolerates a torn last line (kill mid-write): drops it, truncates it, appends on a clean line", () => {
    const file = join(tmp(), "a.jsonl");
    writeFileSync(
      file,
      `${JSON.stringify(record())}\n${JSON.stringify(record({ attempt: 2 })).slice(0, 40)}`,
    );
    const read = readAttemptsJsonl(file);
    expect(read.tornTail).toBe(true);
    expect(read.records).toHaveLength(1);
    const log = new AttemptLog(file);
    expect(log.droppedTornTail).toBe(true);
    log.append(record({ attempt: 2 }));
    log.close();
    expect(readAttemptsJsonl(file).records.map((r) => r.attempt)).toEqual([1, 2]);
  });

  it("keeps a whole last record that only lost its newline", () => {
    const file = join(tmp(), "a.jsonl");
    writeFileSync(file, JSON.stringify(record()));
    const log = new AttemptLog(file);
    log.append(record({ attempt: 2 }));
    log.close();
    expect(readAttemptsJsonl(file).records.map((r) => r.attempt)).toEqual([1, 2]);
  });

  it("a damaged line in the middle is an error naming the file and line", () => {
    const file = join(tmp(), "a.jsonl");
    writeFileSync(file, `${JSON.stringify(record())}\n{oops\n`);
    appendFileSync(file, `${JSON.stringify(record({ attempt: 3 }))}\n`);
    expect(() => readAttemptsJsonl(file)).toThrow(DamagedArtifactError);
    expect(() => readAttemptsJsonl(file)).toThrow(/a\.jsonl:2: not valid JSON/);
  });

  it("--fresh starts over", () => {
    const file = join(tmp(), "a.jsonl");
    writeFileSync(file, `${JSON.stringify(record())}\n`);
    const log = new AttemptLog(file, { fresh: true });
    expect(log.existing).toHaveLength(0);
    log.close();
    expect(readFileSync(file, "utf8")).toBe("");
  });

  it("a later record of the same attempt replaces the earlier (test scored later)", () => {
    const a = record({ test_acc: null });
    const b = record({ test_acc: 0.9, test_scored_later: true });
    const c = record({ attempt: 2 });
    const d = record({ config_fingerprint: "other" });
    expect(latestByAttempt([a, c, b, d])).toEqual([b, c, d]);
  });
});

describe("results_attempts.csv", () => {
  it("starts with the paper's columns in order and round-trips multi-line text", () => {
    const csv = attemptsCsv([record(), record({ attempt: 2, stopped_early: true, val_acc: 1 })]);
    const rows = parse(csv, { columns: true }) as Record<string, string>[];
    const header = csv.split("\n")[0]!.split(",");
    expect(header.slice(0, PAPER_CSV_COLUMNS.length)).toEqual([...PAPER_CSV_COLUMNS]);
    expect(header).toContain("proposer");
    expect(header).toContain("train_acc");
    expect(rows[0]!.prompt).toBe(record().prompt);
    expect(rows[1]!.stopped_early).toBe("True");
    expect(rows[1]!.val_acc).toBe("1");
  });
});

describe("appendAsync (group commit)", () => {
  it("many concurrent appends all land, whole and in call order, and resolve after they are on disk", async () => {
    const file = join(tmp(), "a.jsonl");
    const log = new AttemptLog(file);
    const n = 50;
    await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        await log.appendAsync(record({ attempt: i + 1 }));
        // resolved: this record is in the file already
        expect(readAttemptsJsonl(file).records.some((r) => r.attempt === i + 1)).toBe(true);
      }),
    );
    await log.flush();
    log.close();
    expect(readAttemptsJsonl(file).records.map((r) => r.attempt)).toEqual(
      Array.from({ length: n }, (_, i) => i + 1),
    );
  });
});
