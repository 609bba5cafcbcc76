import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import type { Example } from "../../src/core/example.js";
import { buildPaperPrompt } from "../../src/prompt/paper-prompt.js";
import {
  buildUserPrompt,
  checkTemplate,
  PLACEHOLDERS,
  renderTemplate,
} from "../../src/prompt/user-prompt.js";

const plain: Example[] = [
  { x: "abc", y: 1 },
  { x: "ba", y: 0 },
  { x: "cccc", y: 1 },
];

describe("buildUserPrompt", () => {
  it("is the paper's wording with the characters seen, the length range and the labels (binary)", () => {
    expect(buildUserPrompt(plain)).toBe(
      "**Problem Statement:**\n" +
        'Given a sequence of input strings (characters: "a", "b", "c"; length 2 to 4) and their corresponding ' +
        "scalar binary outputs ('0' or '1'), find a concise Python function `f(x)` that accurately approximates " +
        "the underlying relationship. The function should not be a trainable model, but a direct logical or " +
        "mathematical representation of the target function.\n" +
        "**Data Examples:**\n```\nabc -> 1\nba -> 0\ncccc -> 1\n```\n\n" +
        'You must output ONLY a single JSON object: {"code": "<python function>"}.',
    );
  });

  it("one length is `length L`; classes are listed and the exact comparison said", () => {
    const p = buildUserPrompt([
      { x: "ab", y: "cat" },
      { x: "ba", y: "dog" },
      { x: "aa", y: "2" },
    ]);
    expect(p).toContain('(characters: "a", "b"; length 2)');
    expect(p).toContain('labels (one of "2", "cat", "dog"; `str(f(x))` must equal the label exactly)');
    expect(p).toContain("ab -> cat\nba -> dog\naa -> 2\n");
  });

  it("inputs that cannot be written plainly (spaces, newlines, quotes, ->) are JSON strings, and it says so", () => {
    const p = buildUserPrompt([
      { x: "a b", y: 1 },
      { x: "x\ny", y: 0 },
      { x: "p->q", y: 1 },
    ]);
    expect(p).toContain("inputs are written as JSON strings");
    expect(p).toContain('"a b" -> 1\n"x\\ny" -> 0\n"p->q" -> 1\n');
    // the training lines are the only lines between the fences: a newline in an input never breaks them
    expect(p.split("```")[1]!.split("\n").filter(Boolean)).toHaveLength(3);
    // an arrow alone would make a line ambiguous
    expect(
      buildUserPrompt([
        { x: "1->0", y: 1 },
        { x: "0", y: 0 },
      ]),
    ).toContain('"1->0" -> 1\n"0" -> 0\n');
    expect(
      buildUserPrompt([
        { x: "1-0", y: 1 },
        { x: "0", y: 0 },
      ]),
    ).toContain("1-0 -> 1\n0 -> 0\n");
  });

  it("the built-in tasks keep the paper's prompt (a different function, untouched)", () => {
    const bits: Example[] = [
      { x: "0101", y: 1 },
      { x: "1100", y: 0 },
    ];
    expect(buildPaperPrompt(bits, { decimal: false, length: 4 })).toContain(
      "Given a sequence of input vectors (binary, length 4) and their corresponding scalar binary outputs",
    );
  });
});

describe("--prompt-template", () => {
  it("fills every documented placeholder; {{ and }} are literal braces; JSON braces stay", () => {
    const t =
      "n={n} chars={alphabet} min={min_length} max={max_length} {length} labels={labels} kind={label_kind}\n" +
      '{{n}} {"code": "..."}\n{examples}END';
    expect(renderTemplate(t, plain)).toBe(
      'n=3 chars="a", "b", "c" min=2 max=4 length 2 to 4 labels="0", "1" kind=binary\n' +
        '{n} {"code": "..."}\nabc -> 1\nba -> 0\ncccc -> 1\nEND',
    );
    for (const name of Object.keys(PLACEHOLDERS)) expect(t).toContain(`{${name}}`);
  });

  it("an unknown placeholder is a usage error naming it and its line", () => {
    expect(() => checkTemplate("ok {n}\nthen {exmples}", "my.txt")).toThrow(UsageError);
    expect(() => checkTemplate("ok {n}\nthen {exmples}", "my.txt")).toThrow(
      /^my\.txt:2: unknown placeholder \{exmples\}/,
    );
    expect(() => checkTemplate('{{exmples}} {"code": 1} {examples}', "my.txt")).not.toThrow();
  });
});
