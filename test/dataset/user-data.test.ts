import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import type { Example } from "../../src/core/example.js";
import {
  allocate,
  dataName,
  formatOf,
  parseUserData,
  UserDataError,
  type UserDataOptions,
} from "../../src/dataset/user-data.js";

const OPTS: UserDataOptions = { inputCol: "input", labelCol: "label", trainSize: 2, valSize: 2, seed: 42 };
const parse = (text: string | Buffer, file: string, opts: Partial<UserDataOptions> = {}) =>
  parseUserData(typeof text === "string" ? Buffer.from(text, "utf8") : text, file, { ...OPTS, ...opts });
const all = (s: { train: readonly Example[]; val: readonly Example[]; test: readonly Example[] }) => [
  ...s.train,
  ...s.val,
  ...s.test,
];
const byX = (es: readonly Example[]) => [...es].sort((a, b) => (a.x < b.x ? -1 : a.x > b.x ? 1 : 0));

/** The error's message, or a failure when it does not throw a UserDataError (a UsageError: exit 2). */
function problem(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserDataError);
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error("expected a UserDataError");
}

describe("formats", () => {
  it("CSV: quoted commas, doubled quotes, spaces kept, unicode, CRLF, BOM, empty lines, varying lengths", () => {
    const csv =
      '\ufeffinput,label\r\n"a,b",1\r\n"say ""hi""",0\r\n  two  spaces ,1\r\n\r\nnaïve 😀,0\r\nx,1\r\n';
    const d = parse(csv, "d.csv", { trainSize: 1, valSize: 1 });
    expect(byX(all(d.splits))).toEqual(
      byX([
        { x: "a,b", y: 1 },
        { x: 'say "hi"', y: 0 },
        { x: "  two  spaces ", y: 1 },
        { x: "naïve 😀", y: 0 },
        { x: "x", y: 1 },
      ]),
    );
    expect(d.facts).toMatchObject({
      format: "csv",
      name: "d",
      examples: 5,
      labelKind: "binary",
      labels: ["0", "1"],
      minLength: 1,
      maxLength: 14,
      split: "seeded",
      sizes: { train: 1, val: 1, test: 3 },
    });
    // code points, as Python's len: the emoji is one
    expect(d.facts.alphabet).toContain("😀");
  });

  it("TSV: no quoting (a quote is a character), other columns ignored, the columns in any order", () => {
    const d = parse('label\tother\tinput\n1\tz\t"q\n0\tz\ta b\n1\tz\tc,d\n0\tz\te\n1\tz\tf\n', "d.tsv", {
      trainSize: 1,
      valSize: 1,
    });
    expect(all(d.splits).map((e) => e.x)).toEqual(expect.arrayContaining(['"q', "a b", "c,d"]));
  });

  it("JSONL: newlines, NUL, any unicode in inputs; integer and string labels; blank lines skipped", () => {
    const lines = [
      { input: "a\nb", label: 2 },
      { input: "x\u0000y", label: "cat" },
      { input: "\u2028", label: 2 },
      { input: "", label: "dog" },
      { input: "😀".repeat(50), label: "cat" },
      { input: "z", label: "dog" },
    ];
    const d = parse(`${lines.map((l) => JSON.stringify(l)).join("\n")}\n\n`, "d.jsonl", {
      trainSize: 2,
      valSize: 2,
    });
    expect(d.facts.labelKind).toBe("classes");
    expect(d.facts.labels).toEqual(["2", "cat", "dog"]);
    expect(byX(all(d.splits))).toEqual(byX(lines.map((l) => ({ x: l.input, y: String(l.label) }))));
    expect(d.facts.maxLength).toBe(50);
    expect(d.facts.minLength).toBe(0);
  });

  it("0/1 labels are binary (numbers 0 and 1); ints and strings otherwise are classes, compared as text", () => {
    const bin = parse(
      '{"input":"a","label":1}\n{"input":"b","label":"0"}\n{"input":"c","label":0}\n',
      "b.jsonl",
      {
        trainSize: 1,
        valSize: 1,
      },
    );
    expect(all(bin.splits).every((e) => e.y === 0 || e.y === 1)).toBe(true);
    const cls = parse("input,label\na,1\nb,2\nc, 2 \nd,1\n", "c.csv", { trainSize: 1, valSize: 1 });
    expect(cls.facts.labels).toEqual(["1", "2"]);
    expect(all(cls.splits).every((e) => typeof e.y === "string")).toBe(true);
  });

  it("a split column is used as is; --input-col / --label-col / --split-col rename the columns", () => {
    const csv = "text,y,part\na,1,train\nb,0,train\nc,1,val\nd,0,val\ne,1,test\nf,0,test\ng,1,test\n";
    const d = parse(csv, "s.csv", { inputCol: "text", labelCol: "y", splitCol: "part", trainSize: 50 });
    expect(d.splits.train.map((e) => e.x)).toEqual(["a", "b"]);
    expect(d.splits.val.map((e) => e.x)).toEqual(["c", "d"]);
    expect(d.splits.test.map((e) => e.x)).toEqual(["e", "f", "g"]);
    expect(d.facts.split).toBe("column");
  });

  it("the format comes from the extension unless named; the name is stable and plain", () => {
    expect(formatOf("a/b.CSV")).toBe("csv");
    expect(formatOf("a/b.tab")).toBe("tsv");
    expect(formatOf("a/b.ndjson")).toBe("jsonl");
    expect(formatOf("a/b.txt", "tsv")).toBe("tsv");
    expect(problem(() => formatOf("a/b.txt"))).toMatch(/^a\/b\.txt: .*--data-format/);
    expect(dataName("dir/My Animals (v2).csv")).toBe("My_Animals__v2_");
  });

  it("the hash is of the content, not the path", () => {
    const text = "input,label\na,1\nb,0\nc,1\nd,0\ne,1\n";
    expect(parse(text, "x/one.csv").facts.sha256).toBe(parse(text, "y/two.csv").facts.sha256);
    expect(parse(text, "one.csv").facts.sha256).not.toBe(parse(`${text}f,0\n`, "one.csv").facts.sha256);
  });
});

describe("bad data: the file and the line", () => {
  const cases: [string, string, string | Buffer, RegExp][] = [
    ["empty file", "e.csv", "", /^e\.csv:1: the file is empty$/],
    ["blank file", "e.jsonl", "\n \n", /^e\.jsonl:1: the file is empty$/],
    ["header only", "h.csv", "input,label\n", /^h\.csv:2: no examples/],
    [
      "missing input column",
      "m.csv",
      "text,label\na,1\n",
      /^m\.csv:1: no column 'input' \(the header has "text", "label"/,
    ],
    ["missing label column", "m.tsv", "input\tlab\na\t1\n", /^m\.tsv:1: no column 'label'/],
    [
      "JSONL field missing",
      "m.jsonl",
      '{"input":"a","label":1}\n{"input":"b"}\n',
      /^m\.jsonl:2: no 'label' field/,
    ],
    ["JSONL not JSON", "j.jsonl", '{"input":"a","label":1}\n{nope\n', /^j\.jsonl:2: not a JSON object/],
    [
      "JSONL input not a string",
      "j.jsonl",
      '{"input":5,"label":1}\n',
      /^j\.jsonl:1: the 'input' field must be a string/,
    ],
    [
      "label a float",
      "j.jsonl",
      '{"input":"a","label":0.5}\n',
      /^j\.jsonl:1: the 'label' field must be an integer or a string/,
    ],
    ["label empty", "l.csv", "input,label\na,1\nb,\n", /^l\.csv:3: the 'label' column is empty/],
    [
      "conflicting labels",
      "c.csv",
      'input,label\na,1\nb,0\n\n"a",0\n',
      /^c\.csv:5: the input "a" is labelled "0" here and "1" on line 2$/,
    ],
    [
      "one class only",
      "o.csv",
      "input,label\na,1\nb,1\nc,1\n",
      /^o\.csv:4: one class only: every label is "1" \(lines 2-4\)/,
    ],
    [
      "fewer than the sizes",
      "f.csv",
      "input,label\na,1\nb,0\nc,1\nd,0\n",
      /^f\.csv: 4 examples, fewer than --train-size 2 \+ --val-size 2 \+ at least 1 for test$/,
    ],
    [
      "a newline in a CSV input",
      "n.csv",
      'input,label\nok,1\n"two\nlines",0\n',
      /^n\.csv:4: the input holds a line break.*use JSONL/,
    ],
    [
      "a NUL in a CSV input",
      "n.csv",
      "input,label\nok,1\nx\u0000y,0\n",
      /^n\.csv:3: the input holds a NUL character.*use JSONL/,
    ],
    [
      "a NUL in a TSV input",
      "n.tsv",
      "input\tlabel\nok\t1\nx\u0000y\t0\n",
      /^n\.tsv:3: the input holds a NUL/,
    ],
    [
      "a tab in a TSV input (a field too many)",
      "t.tsv",
      "input\tlabel\na\tb\t1\n",
      /^t\.tsv:2: TSV: Invalid Record Length/,
    ],
    ["an unclosed CSV quote", "q.csv", 'input,label\n"a,1\nb,0\n', /^q\.csv:\d+: CSV: Quote Not Closed/],
    [
      "bad UTF-8",
      "u.csv",
      Buffer.concat([Buffer.from("input,label\na,1\nb"), Buffer.from([0xff, 0xfe]), Buffer.from(",0\n")]),
      /^u\.csv:3: not valid UTF-8/,
    ],
    [
      "a bad split value",
      "s.csv",
      "input,label,split\na,1,train\nb,0,dev\n",
      /^s\.csv:3: the 'split' column must be train, val or test, got "dev"/,
    ],
    [
      "a split with no examples",
      "s.csv",
      "input,label,split\na,1,train\nb,0,train\nc,1,val\n",
      /^s\.csv: the split column names no 'test' example$/,
    ],
    [
      "split field on some JSONL lines only",
      "s.jsonl",
      '{"input":"a","label":1,"split":"train"}\n{"input":"b","label":0}\n',
      /^s\.jsonl:2: the 'split' field is missing here/,
    ],
    [
      "too many classes",
      "k.csv",
      `input,label\n${Array.from({ length: 70 }, (_, i) => `x${i},c${i}`).join("\n")}\n`,
      /^k\.csv: 70 distinct labels: at most 61/,
    ],
  ];
  it.each(cases)("%s", (_name, file, text, want) => {
    expect(problem(() => parse(text, file))).toMatch(want);
  });
});

describe("the seeded stratified split", () => {
  const rows = (n: number, classes: number) =>
    Array.from({ length: n }, (_, i) => `w${i},${i % classes === 0 ? "a" : i % classes === 1 ? "b" : "c"}`);
  const csv = (lines: string[]) => `input,label\n${lines.join("\n")}\n`;

  it("is a partition of the file: exactly the sizes asked, the rest test, every example once", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 5, max: 80 }),
        fc.integer({ min: 2, max: 3 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer(),
        (n, k, train, val, seed) => {
          fc.pre(train + val < n);
          const d = parse(csv(rows(n, k)), "p.csv", { trainSize: train, valSize: val, seed });
          expect(d.splits.train.length).toBe(train);
          expect(d.splits.val.length).toBe(val);
          expect(d.splits.test.length).toBe(n - train - val);
          expect(new Set(all(d.splits).map((e) => e.x)).size).toBe(n);
        },
      ),
    );
  });

  it("is stratified: each split holds each label within one of its share", () => {
    const d = parse(csv(rows(300, 3)), "p.csv", { trainSize: 60, valSize: 30 });
    for (const [split, size] of [
      [d.splits.train, 60],
      [d.splits.val, 30],
    ] as const) {
      for (const label of ["a", "b", "c"]) {
        const count = split.filter((e) => e.y === label).length;
        expect(Math.abs(count - size / 3)).toBeLessThanOrEqual(1);
      }
    }
    // an unbalanced file keeps its balance: 90% a
    const skew = Array.from({ length: 100 }, (_, i) => `s${i},${i < 90 ? "a" : "b"}`);
    const s = parse(csv(skew), "q.csv", { trainSize: 20, valSize: 10 });
    expect(s.splits.train.filter((e) => e.y === "b").length).toBe(2);
    expect(s.splits.val.filter((e) => e.y === "b").length).toBe(1);
  });

  it("depends on the seed only: the same seed, the same splits; another seed, others", () => {
    const text = csv(rows(60, 2));
    const a = parse(text, "a.csv", { trainSize: 10, valSize: 10, seed: 7 });
    expect(parse(text, "elsewhere/b.csv", { trainSize: 10, valSize: 10, seed: 7 }).splits).toEqual(a.splits);
    expect(parse(text, "a.csv", { trainSize: 10, valSize: 10, seed: 8 }).splits).not.toEqual(a.splits);
  });

  it("allocate: never more than a group has, the total exactly when it fits", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 6 }), (caps) => {
        const n = caps.reduce((a, b) => a + b, 0);
        fc.pre(n > 0);
        for (let total = 0; total <= n; total++) {
          const got = allocate(total, caps, caps, n);
          expect(got.reduce((a, b) => a + b, 0)).toBe(total);
          got.forEach((g, i) => {
            expect(g).toBeLessThanOrEqual(caps[i]!);
          });
        }
      }),
    );
  });
});
