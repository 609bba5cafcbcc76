import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { learnInputIssues, toExamples } from "../../src/lib/learn-input.js";
import { learnPrompt } from "../../src/lib/learn-prompt.js";
import { buildPaperPrompt } from "../../src/prompt/paper-prompt.js";

const binaryExample = fc.record({ x: fc.string(), y: fc.constantFrom(0, 1) });
const examples = fc.array(binaryExample, { minLength: 1, maxLength: 20 });
const badLabel = fc.oneof(
  fc.integer().filter((n) => n !== 0 && n !== 1),
  fc.double().filter((n) => n !== 0 && n !== 1),
  fc.string(),
);

describe("learn's input checks (laws)", () => {
  it("any non-empty train and val of string inputs and 0/1 labels is accepted, and kept as given", () => {
    fc.assert(
      fc.property(
        examples,
        examples,
        fc.option(fc.array(binaryExample), { nil: undefined }),
        (train, val, test) => {
          expect(learnInputIssues({ train, val, ...(test ? { test } : {}) })).toEqual([]);
          expect(toExamples(train)).toEqual(train);
        },
      ),
    );
  });

  it("one label other than the numbers 0 and 1 is one issue, naming its split and index", () => {
    fc.assert(
      fc.property(
        examples,
        examples,
        fc.constantFrom("train", "val"),
        fc.nat(),
        badLabel,
        (train, val, split, at, y) => {
          const lists = { train: [...train], val: [...val] };
          const list = lists[split];
          const i = at % list.length;
          list[i] = { x: list[i]!.x, y: y as 0 };
          const issues = learnInputIssues(lists);
          expect(issues).toHaveLength(1);
          expect(issues[0]!.path).toBe(`${split}[${i}].y`);
          expect(issues[0]!.message).toContain(
            `label ${typeof y === "string" ? JSON.stringify(y) : String(y)}:`,
          );
        },
      ),
    );
  });
});

describe("learnPrompt", () => {
  it("is the paper's prompt byte for byte for inputs of one length over 0/1, or over the digits", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.boolean(),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom(0 as const, 1 as const)), {
          minLength: 1,
          maxLength: 10,
        }),
        (length, decimal, seeds) => {
          const digits = decimal ? "0123456789" : "01";
          const train = seeds.map(([s, y]) => ({
            x: Array.from({ length }, (_, k) => digits[(s * 7 + k * 13 + (s >> k)) % digits.length]).join(""),
            y,
          }));
          // an input drawn from the digits may still use only 0 and 1: then it is the binary prompt
          const isBinary = train.every((e) => /^[01]*$/.test(e.x));
          expect(learnPrompt(train)).toBe(buildPaperPrompt(train, { decimal: !isBinary, length }));
        },
      ),
    );
  });

  it("names the characters seen and the length range otherwise, with every training line", () => {
    const train = [
      { x: "abc", y: 1 as const },
      { x: "ba", y: 0 as const },
      { x: "cabbage", y: 1 as const },
    ];
    const prompt = learnPrompt(train);
    expect(prompt).toContain('(characters "a", "b", "c", "e", "g"; lengths 2 to 7)');
    expect(prompt).toContain("```\nabc -> 1\nba -> 0\ncabbage -> 1\n```");
    expect(prompt.endsWith('You must output ONLY a single JSON object: {"code": "<python function>"}.')).toBe(
      true,
    );
  });
});
