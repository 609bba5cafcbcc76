import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { acquireRunLock } from "../../src/artifacts/run-lock.js";
import { UsageError } from "../../src/core/errors.js";

const jsonl = () => join(mkdtempSync(join(tmpdir(), "lock-")), "results_attempts.jsonl");

describe("acquireRunLock", () => {
  it("writes our pid next to the JSONL and removes it on release", () => {
    const file = jsonl();
    const release = acquireRunLock(file);
    expect(readFileSync(`${file}.lock`, "utf8")).toBe(String(process.pid));
    release();
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it("refuses while another live process holds it, naming the file and the pid", () => {
    const file = jsonl();
    const other = process.ppid; // alive for as long as this test runs
    writeFileSync(`${file}.lock`, String(other));
    expect(() => acquireRunLock(file)).toThrow(UsageError);
    expect(() => acquireRunLock(file)).toThrow(new RegExp(`results_attempts\\.jsonl .*pid ${other}`));
    expect(readFileSync(`${file}.lock`, "utf8")).toBe(String(other));
  });

  it("takes over a lock left by a killed run, and one holding junk", () => {
    const file = jsonl();
    const dead = spawnSync("true").pid; // exited and reaped: its pid is gone
    expect(dead).toBeGreaterThan(0);
    writeFileSync(`${file}.lock`, String(dead));
    acquireRunLock(file)();
    writeFileSync(`${file}.lock`, "not a pid");
    const release = acquireRunLock(file);
    expect(readFileSync(`${file}.lock`, "utf8")).toBe(String(process.pid));
    release();
  });
});
