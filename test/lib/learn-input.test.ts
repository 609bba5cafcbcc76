import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { learnInputIssues, toSplits } from "../../src/lib/learn-input.js";
import { learnPrompt } from "../../src/lib/learn-prompt.js";
import { buildPaperPrompt } from "../../src/prompt/paper-prompt.js";
import { buildUserPrompt } from "../../src/prompt/user-prompt.js";

const binaryExample = fc.record({ x: fc.string(), y: fc.constantFrom(0, 1) });
const examples = fc.array(binaryExample, { minLength: 1, maxLength: 20 });
/** Labels `learn` cannot carry: a number that is not a safe integer, a string of spaces only. */
const badLabel = fc.oneof(
  fc.double().filter((n) => !Number.isSafeInteger(n)),
  fc.constantFrom("", " ", "\t "),
);
/** Class labels: ints and strings (some the same class, 2 and "2"; some padded). */
const classLabel = fc.oneof(
  fc.integer({ min: -5, max: 9 }),
  fc.constantFrom("cat", "dog", " cat ", "2", "x y"),
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
          expect(toSplits({ train, val, test: test ?? [] })).toEqual({ train, val, test: test ?? [] });
        },
      ),
    );
  });

  it("labels 0/1 as texts are the binary labels; with any other label every label is its class's text", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ x: fc.string(), y: fc.oneof(classLabel, fc.constantFrom(0, 1, "0", "1")) }), {
          minLength: 1,
          maxLength: 20,
        }),
        (train) => {
          expect(learnInputIssues({ train, val: train })).toEqual([]);
          const out = toSplits({ train, val: [], test: [] }).train;
          const texts = train.map((e) => String(e.y).trim());
          if (texts.every((t) => t === "0" || t === "1"))
            expect(out.map((e) => e.y)).toEqual(texts.map((t) => (t === "1" ? 1 : 0)));
          else expect(out.map((e) => e.y)).toEqual(texts);
          expect(out.map((e) => e.x)).toEqual(train.map((e) => e.x));
        },
      ),
    );
  });

  it("more distinct labels than the sandbox can score exactly is an issue", () => {
    const train = Array.from({ length: 70 }, (_, i) => ({ x: `s${i}`, y: `class ${i}` }));
    const issues = learnInputIssues({ train, val: train });
    expect(issues.map((i) => i.message)).toEqual(["70 distinct labels: at most 61 classes can be scored"]);
  });

  it("one label that is not an integer or a class name is one issue, naming its split and index", () => {
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
          expect(issues[0]!.message).toMatch(typeof y === "string" ? /^label is empty/ : `label ${y}:`);
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
    expect(prompt).toBe(buildUserPrompt(train));
    expect(prompt).toContain('(characters: "a", "b", "c", "e", "g"; length 2 to 7)');
    expect(prompt).toContain("```\nabc -> 1\nba -> 0\ncabbage -> 1\n```");
    expect(prompt.endsWith('You must output ONLY a single JSON object: {"code": "<python function>"}.')).toBe(
      true,
    );
  });
});
