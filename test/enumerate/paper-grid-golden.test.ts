import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  GOLDEN_PATH,
  type GoldenPoint,
  PAPER_TASK_IDS,
  paperGridGolden,
  renderGolden,
} from "./paper-grid-golden.js";

/**
 * One test per task (each a few seconds on one core). The file itself is byte-for-byte what
 * `npx tsx test/enumerate/paper-grid-golden.ts --write` renders; a regenerated file must not differ.
 */
describe("the enumerator on the paper grid proposes exactly what the golden records", () => {
  const golden = JSON.parse(readFileSync(GOLDEN_PATH, "utf8")) as GoldenPoint[];

  it("the golden covers every paper task", () => {
    expect([...new Set(golden.map((p) => p.fn))]).toEqual(PAPER_TASK_IDS);
    expect(renderGolden(golden)).toBe(readFileSync(GOLDEN_PATH, "utf8"));
  });

  it.each(PAPER_TASK_IDS)(
    "%s: programs, Python, counts and the order behaviours were kept",
    async (fn) => {
      const points = await paperGridGolden([fn]);
      expect(renderGolden(points)).toBe(renderGolden(golden.filter((p) => p.fn === fn)));
    },
    300_000,
  );
});
