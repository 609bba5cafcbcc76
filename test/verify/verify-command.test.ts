import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { verifyCommand } from "../../src/cli/verify-command.js";
import { UsageError } from "../../src/core/errors.js";

describe("llm-erm verify", () => {
  let dir: string;
  const lines = (n: number, offset: number) =>
    Array.from({ length: n }, (_, i) => {
      const x = (i + offset).toString(2).padStart(10, "0");
      return `${x} -> ${x.endsWith("1") ? 1 : 0}\n`;
    }).join("");
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "llm-erm-verify-cli-"));
    writeFileSync(join(dir, "train.txt"), lines(20, 0));
    writeFileSync(join(dir, "val.txt"), lines(20, 20));
    writeFileSync(join(dir, "test.txt"), lines(40, 40));
    writeFileSync(join(dir, "good.py"), "def f(x):\n    return x[-1]\n");
    writeFileSync(join(dir, "reply.txt"), 'Here: {"code": "def g(x):\\n    return 0"}');
    writeFileSync(join(dir, "prose.txt"), "I could not find a rule.");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function capture(run: () => Promise<number>): Promise<{ code: number; out: string }> {
    let out = "";
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    try {
      return { code: await run(), out };
    } finally {
      spy.mockRestore();
    }
  }

  it("prints per-split accuracy, the outcome and the protections; exits 0 for a good program", async () => {
    const { code, out } = await capture(() =>
      verifyCommand(join(dir, "good.py"), { dataset: dir, timeLimit: "5" }),
    );
    expect(code).toBe(0);
    expect(out).toMatch(/outcome: ok/);
    expect(out).toMatch(/train: 1\.0000 \(20\/20, 0 raised\)/);
    expect(out).toMatch(/test: 1\.0000 \(40\/40, 0 raised\)/);
    expect(out).toMatch(/seccomp: (true|false)/);
  });

  it("reads model text through extraction and reports the function it called", async () => {
    const { code, out } = await capture(() =>
      verifyCommand(join(dir, "reply.txt"), { dataset: dir, json: true }),
    );
    expect(code).toBe(0);
    const r = JSON.parse(out);
    expect([r.kind, r.via, r.functionName, r.scores.val.correct]).toEqual(["ok", "brace_span", "g", 10]);
    expect(r.protections.mode).toBeDefined();
  });

  it("exits non-zero when the candidate fails", async () => {
    const { code, out } = await capture(() => verifyCommand(join(dir, "prose.txt"), { dataset: dir }));
    expect(code).toBe(1);
    expect(out).toMatch(/outcome: no_code_found/);
  });

  it("names the bad flag, file or line", async () => {
    await expect(verifyCommand(join(dir, "good.py"), { dataset: join(dir, "nope") })).rejects.toThrow(
      /--dataset/,
    );
    await expect(verifyCommand(join(dir, "missing.py"), { dataset: dir })).rejects.toThrow(/missing\.py/);
    await expect(verifyCommand(join(dir, "good.py"), { dataset: dir, timeLimit: "-1" })).rejects.toThrow(
      UsageError,
    );
    const bad = mkdtempSync(join(tmpdir(), "llm-erm-verify-bad-"));
    try {
      writeFileSync(join(bad, "train.txt"), "0101 -> 1\n0101 => 0\n");
      await expect(verifyCommand(join(dir, "good.py"), { dataset: bad })).rejects.toThrow(/train\.txt:2/);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });
});
