import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildPaperPrompt } from "../../src/prompt/paper-prompt.js";

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8");

describe("buildPaperPrompt", () => {
  it("is byte for byte the runner's binary prompt", () => {
    const train = [
      { x: "0101", y: 1 as const },
      { x: "1100", y: 0 as const },
      { x: "0000", y: 0 as const },
    ];
    expect(buildPaperPrompt(train, { decimal: false, length: 4 })).toBe(fixture("paper_prompt_binary.txt"));
  });

  it("is byte for byte the runner's decimal prompt", () => {
    const train = [
      { x: "13", y: 1 as const },
      { x: "21", y: 0 as const },
    ];
    expect(buildPaperPrompt(train, { decimal: true, length: 2 })).toBe(fixture("paper_prompt_decimal.txt"));
  });

  it("keeps the training lines in file order", () => {
    const p = buildPaperPrompt(
      [
        { x: "11", y: 0 },
        { x: "00", y: 1 },
      ],
      { decimal: false, length: 2 },
    );
    expect(p).toContain("```\n11 -> 0\n00 -> 1\n```\n\n");
  });
});
