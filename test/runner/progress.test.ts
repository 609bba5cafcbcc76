import { describe, expect, it } from "vitest";
import { ZERO_USAGE } from "../../src/proposer/openai-usage.js";
import type { ActivePoint, ProgressState } from "../../src/runner/grid-runner.js";
import { createProgressReporter, renderProgressBlock } from "../../src/runner/progress.js";

const active = (i: number): ActivePoint => ({
  fn: `fn_${String.fromCharCode(97 + (i % 12))}`,
  length: 100,
  attempt: 2,
  attempts: 5,
  phase: "proposing",
  elapsedMs: 12_000,
  bestVal: 0.52,
});

const state = (over: Partial<ProgressState> = {}): ProgressState => ({
  pointsTotal: 60,
  pointsDone: 23,
  solved: 18,
  inFlight: 2,
  attempts: 71,
  calls: 73,
  usage: { ...ZERO_USAGE, total_tokens: 1_234_567 },
  costUsd: 3.4,
  elapsedMs: 41_000,
  etaMs: 65_000,
  active: [active(4), active(5)],
  recent: [
    {
      fn: "fn_a",
      length: 50,
      solved: true,
      attempts: 1,
      selectedAttempt: 1,
      val: 1,
      test: 1,
      elapsedMs: 2000,
    },
    {
      fn: "fn_f",
      length: 20,
      solved: false,
      attempts: 5,
      selectedAttempt: 3,
      val: 0.6,
      test: 0.497,
      elapsedMs: 8000,
    },
  ],
  ...over,
});

const header = { proposer: "openai:gpt-5", concurrency: 5, batch: 1, sandbox: "bubblewrap" };

describe("renderProgressBlock", () => {
  it("shows the header, the totals, one line per grid point in flight and the last finished", () => {
    const lines = renderProgressBlock(state(), header, 80);
    expect(lines[0]).toBe("openai:gpt-5 · 60 grid points · concurrency 5 · sandbox bubblewrap");
    expect(lines[1]).toMatch(/^\[#{8}\.{12}\] 23\/60 done · 18 solved · 2 in flight · 41s · ETA 1m05s$/);
    expect(lines[2]).toBe("attempts 71 · tokens 1.23M · cost $3.40");
    expect(lines.filter((l) => l.startsWith("  > "))).toHaveLength(2);
    expect(lines[3]).toContain("fn_e  L=100  attempt 2/5  proposing");
    expect(lines[3]).toContain("best val 0.520");
    expect(lines[5]).toContain("+ fn_a  L=50   solved at attempt 1 · test 1.000");
    expect(lines[6]).toContain("- fn_f  L=20   5 attempts, val 0.600 · test 0.497");
    for (const l of lines) expect(l.length).toBeLessThan(80);
  });

  it("keeps clocks moving, hides tokens for the enumerator, caps the list and the width", () => {
    const many = state({ active: Array.from({ length: 12 }, (_, i) => active(i)) });
    const lines = renderProgressBlock(many, { ...header, proposer: "enumerative", batch: 3 }, 80, 5000);
    expect(lines[0]).toContain("batch 3");
    expect(lines[1]).toContain("46s · ETA 1m00s");
    expect(lines[2]).toBe("attempts 71");
    expect(lines.filter((l) => l.startsWith("  > "))).toHaveLength(8);
    expect(lines).toContain("  ... and 4 more");
    expect(lines.find((l) => l.startsWith("  > "))).toContain("17s");
    for (const l of lines) expect(l.length).toBeLessThan(80);
    const narrow = renderProgressBlock(many, header, 40);
    for (const l of narrow) expect(l.length).toBeLessThanOrEqual(39);
    expect(narrow[0]!.endsWith("…")).toBe(true);
  });
});

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  const stream = {
    isTTY,
    columns: 80,
    rows: 40,
    write(chunk: string) {
      writes.push(chunk);
      return true;
    },
  } as unknown as NodeJS.WritableStream & { isTTY: boolean };
  return { stream, writes };
}

describe("createProgressReporter", () => {
  it("on a TTY redraws the block in place (cursor up over the old one), prints notes above it", () => {
    let t = 0;
    const { stream, writes } = fakeStream(true);
    const r = createProgressReporter(stream, { now: () => t, header, ttyMs: 250 });
    r.update(state());
    const first = writes[0]!;
    const height = first.split("\n").length - 1;
    expect(first.startsWith("openai:gpt-5 · 60 grid points")).toBe(true);
    t = 100;
    r.update(state({ pointsDone: 24 })); // within 250 ms: not drawn
    expect(writes).toHaveLength(1);
    t = 400;
    r.update(state({ pointsDone: 25 }));
    expect(writes[1]!.startsWith(`\x1b[${height}A\r\x1b[J`)).toBe(true);
    expect(writes[1]).toContain("25/60 done");
    r.note("llm-erm: SIGINT: stopping");
    expect(writes[2]).toMatch(
      new RegExp(`^\x1b\\[${height}A\r\x1b\\[Jllm-erm: SIGINT: stopping\nopenai:gpt-5`),
    );
    expect(writes[2]!.indexOf("SIGINT")).toBeLessThan(writes[2]!.indexOf("openai:gpt-5"));
    r.finish();
    const n = writes.length;
    r.update(state({ pointsDone: 30 }));
    r.note("after");
    expect(writes.slice(n)).toEqual(["after\n"]); // no redraw after finish
  });

  it("off a TTY writes JSON progress lines when a grid point finishes, and notes as plain lines", () => {
    const { stream, writes } = fakeStream(false);
    const r = createProgressReporter(stream, { now: () => 0 });
    r.update(state());
    r.update(state({ inFlight: 1 })); // same points done, within 10 s: nothing
    r.update(state({ pointsDone: 24 }));
    r.note("hello");
    r.finish();
    expect(writes.slice(0, 2).map((w) => (JSON.parse(w) as { points_done: number }).points_done)).toEqual([
      23, 24,
    ]);
    expect(writes[2]).toBe("hello\n");
    expect(writes.join("")).not.toContain("\x1b[");
  });
});
