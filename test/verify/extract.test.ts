import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dedent, extractCode, prepareSource } from "../../src/verify/extract.js";

describe("extractCode", () => {
  it("parses the whole text as JSON first", () => {
    const r = extractCode('{"code": "def f(x):\\n    return 1\\n"}');
    expect(r).toEqual({ ok: true, code: "def f(x):\n    return 1\n", via: "json" });
  });

  it("falls back to the first-{-to-last-} span when prose surrounds the JSON", () => {
    const r = extractCode('Here you go:\n{"code": "def f(x): return 0"}\nThanks!');
    expect(r).toEqual({ ok: true, code: "def f(x): return 0", via: "brace_span" });
  });

  it("uses the span from the FIRST { to the LAST }, so two objects do not parse", () => {
    const r = extractCode('{"code": "a"} and {"code": "b"}');
    expect(r.ok).toBe(false);
  });

  it("rejects text without JSON, JSON that is not an object, and objects without a string code", () => {
    for (const text of [
      "def f(x): return 1",
      "[1, 2]",
      '{"code": 3}',
      '{"program": "def f(x): pass"}',
      "}{",
    ]) {
      const r = extractCode(text);
      expect(r.ok, text).toBe(false);
      if (!r.ok) expect(r.reason.length).toBeGreaterThan(0);
    }
  });

  it("strips fences and dedents the code it returns", () => {
    const code = "```python\n    def f(x):\n        return 1\n```";
    const r = extractCode(JSON.stringify({ code }));
    expect(r).toEqual({ ok: true, code: "def f(x):\n    return 1", via: "json" });
  });

  it("round-trips any code through JSON (law: extract(JSON({code})) = prepareSource(code))", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (code, before, after) => {
        const json = JSON.stringify({ code });
        expect(extractCode(json)).toEqual({ ok: true, code: prepareSource(code), via: "json" });
        const noise = (s: string) => s.replace(/[{}]/g, "");
        const wrapped = extractCode(`${noise(before)}${json}${noise(after)}`);
        expect(wrapped.ok && wrapped.code).toBe(prepareSource(code));
      }),
    );
  });
});

describe("dedent (textwrap.dedent)", () => {
  it("removes the common margin and blanks whitespace-only lines", () => {
    expect(dedent("    a\n      b\n   \n    c")).toBe("a\n  b\n\nc");
    expect(dedent("\ta\n\t\tb")).toBe("a\n\tb");
    expect(dedent("  a\n\tb")).toBe("  a\n\tb");
  });

  it("is idempotent and undoes a uniform indent", () => {
    const line = fc.stringMatching(/^[a-z(): ]{0,12}$/).filter((s) => s.trim() !== "" && !s.startsWith(" "));
    fc.assert(
      fc.property(
        fc.array(line, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 8 }),
        (lines, n) => {
          const text = lines.join("\n");
          const indented = lines.map((l) => " ".repeat(n) + l).join("\n");
          expect(dedent(indented)).toBe(text);
          expect(dedent(dedent(indented))).toBe(dedent(indented));
        },
      ),
    );
  });
});

describe("prepareSource", () => {
  it("strips only surrounding fences", () => {
    expect(prepareSource("```\ndef f(x): return 1\n```")).toBe("def f(x): return 1");
    expect(prepareSource("  ```py\ndef f(x): return 1\n  ```  ")).toBe("def f(x): return 1");
    const inner = "def f(x):\n    s = '```'\n    return 1";
    expect(prepareSource(inner)).toBe(inner);
  });
});
