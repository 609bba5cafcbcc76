// A multi-class job is scored exactly (the prediction's str() against each label's text); a binary
// job's request stays byte for byte what it was.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Example } from "../../src/core/example.js";
import { CLASS_CHARS, encodeRequest, MAX_CLASSES, parseHarnessOutput } from "../../src/verify/protocol.js";
import { createVerifier, type SandboxVerifier } from "../../src/verify/sandbox-verifier.js";
import { scoringOf } from "../../src/verify/scores.js";
import { TEST_LIMITS, TEST_SANDBOX } from "./sandbox-helpers.js";

let verifier: SandboxVerifier;
beforeAll(async () => {
  verifier = await createVerifier({ limits: TEST_LIMITS, sandbox: TEST_SANDBOX });
});
afterAll(() => verifier?.close());

const BASE = {
  code: "def f(x): return 1",
  inputs: ["a", "b\nc"],
  splitSizes: [2],
  sysPath: ["/usr/lib/python3"],
  cpuSeconds: 2,
  memoryBytes: 1024,
  openFiles: 8,
  fileBytes: 0,
  processes: 1,
};

describe("the request", () => {
  it("binary: unchanged (no classes key, no class block)", () => {
    const bytes = encodeRequest(BASE).toString("utf8");
    expect(bytes).toBe(
      "LLMERM3 code=18 n=2 splits=2 paths=1 cpu=2 as=1024 nofile=8 fsize=0 nproc=1\n" +
        "/usr/lib/python3\ndef f(x): return 11,3\nab\nc",
    );
    expect(encodeRequest({ ...BASE, classes: [] }).equals(encodeRequest(BASE))).toBe(true);
  });

  it("exact: classes=k in the header, the classes length-prefixed between the code and the inputs", () => {
    const bytes = encodeRequest({ ...BASE, classes: ["cat", "ü,\n"] }).toString("utf8");
    expect(bytes).toBe(
      "LLMERM3 code=18 n=2 splits=2 paths=1 cpu=2 as=1024 nofile=8 fsize=0 nproc=1 classes=2\n" +
        "/usr/lib/python3\ndef f(x): return 13,4\ncatü,\n1,3\nab\nc",
    );
    const tooMany = Array.from({ length: MAX_CLASSES + 1 }, (_, i) => String(i));
    expect(() => encodeRequest({ ...BASE, classes: tooMany })).toThrow(/at most 61/);
  });

  it("the class characters never include E or ?, and are distinct", () => {
    expect(CLASS_CHARS).not.toMatch(/[E?]/);
    expect(new Set(CLASS_CHARS).size).toBe(CLASS_CHARS.length);
  });

  it("the parser takes class characters only for exact jobs, and only those of its classes", () => {
    const out = (preds: string) =>
      Buffer.from(`L f\n${preds}\nD ${preds.split("E").length - 1} \n`, "latin1");
    expect(parseHarnessOutput(out("01?E2"), 5, 3).state).toBe("done");
    expect(parseHarnessOutput(out("01?E3"), 5, 3).state).toBe("garbage");
    expect(parseHarnessOutput(out("012"), 3).state).toBe("garbage");
    expect(parseHarnessOutput(out("01?"), 3).state).toBe("garbage");
  });
});

describe("scoringOf", () => {
  it("binary for 0/1 labels, exact over the sorted distinct texts otherwise, the job's own when given", () => {
    const bin: Example[] = [
      { x: "a", y: 0 },
      { x: "b", y: 1 },
    ];
    expect(scoringOf({ code: "", splits: { train: bin } })).toEqual({ kind: "binary" });
    const cls: Example[] = [
      { x: "a", y: "dog" },
      { x: "b", y: "cat" },
    ];
    expect(scoringOf({ code: "", splits: { train: cls, val: [{ x: "c", y: "eel" }] } })).toEqual({
      kind: "exact",
      classes: ["cat", "dog", "eel"],
    });
    const given = { kind: "exact", classes: ["0", "1"] } as const;
    expect(scoringOf({ code: "", splits: { train: bin }, scoring: given })).toBe(given);
  });
});

describe("exact scoring in the sandbox", () => {
  const train: Example[] = [
    { x: "aa", y: "2" },
    { x: "b", y: "1" },
    { x: "", y: "0" },
    { x: "ccc", y: "3" },
  ];
  const val: Example[] = [
    { x: "dddd", y: "4" },
    { x: "e\u0000", y: "2" },
  ];

  it("str(f(x)) equals the label's text: ints, numpy-like .item(), strings", async () => {
    const r = await verifier.verify({ code: "def f(x):\n    return len(x)", splits: { train, val } });
    expect(r.kind).toBe("ok");
    expect(r.scores.train?.accuracy).toBe(1);
    expect(r.scores.val?.accuracy).toBe(1);
    // the label set offered to the child is every label of the job: '4' is val's only
    const asText = await verifier.verify({ code: "def f(x):\n    return str(len(x))", splits: { train } });
    expect(asText.scores.train?.accuracy).toBe(1);
    const item = await verifier.verify({
      code: "class N:\n    def __init__(s, v): s.v = v\n    def item(s): return s.v\ndef f(x):\n    return N(len(x))",
      splits: { train },
    });
    expect(item.scores.train?.accuracy).toBe(1);
  });

  it("exactly: another class, 2.0, ' 2', True and a str subclass claiming equality are wrong; raising is wrong", async () => {
    const codes = [
      // a class, but the wrong one, every time
      "def f(x):\n    return (len(x) + 1) % 4",
      "def f(x):\n    return float(len(x))",
      "def f(x):\n    return ' ' + str(len(x))",
      "def f(x):\n    return len(x) > 0",
      [
        "class S(str):",
        "    def __eq__(s, o): return True",
        "    def __hash__(s): return hash('2')",
        "class A:",
        "    def __str__(s): return S('nope')",
        "def f(x):",
        "    return A()",
      ].join("\n"),
    ];
    for (const code of codes) {
      const r = await verifier.verify({ code, splits: { train } });
      expect(r.kind, code).toBe("ok");
      expect(r.scores.train?.correct, code).toBe(0);
    }
    const raising = await verifier.verify({
      code: "def f(x):\n    if x == 'b': raise ValueError('b')\n    return len(x)",
      splits: { train },
    });
    expect(raising.scores.train).toEqual({ correct: 3, total: 4, accuracy: 0.75, exceptions: 1 });
  });

  it("a binary job keeps the paper's _to01 rules (True is 1, 'yes' is 1)", async () => {
    const bin: Example[] = [
      { x: "a", y: 1 },
      { x: "", y: 0 },
    ];
    const r = await verifier.verify({
      code: "def f(x):\n    return 'yes' if x else ''",
      splits: { train: bin },
    });
    expect(r.scores.train?.accuracy).toBe(1);
  });

  it("string classes with commas, newlines and unicode reach the child exactly", async () => {
    const cls: Example[] = [
      { x: "1", y: "a,b" },
      { x: "2", y: "line\nbreak" },
      { x: "3", y: "ünï😀" },
    ];
    const code =
      "M = {'1': 'a,b', '2': 'line\\nbreak', '3': '\\u00fcn\\u00ef\\U0001F600'}\ndef f(x):\n    return M[x]";
    const r = await verifier.verify({ code, splits: { train: cls } });
    expect(r.kind).toBe("ok");
    expect(r.scores.train?.accuracy).toBe(1);
  });
});
