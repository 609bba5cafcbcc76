// `llm-erm run --data FILE...`: a user's CSV/TSV/JSONL end to end, every bad file refused (exit 2, the
// file and line named, nothing written), a multi-class file scored exactly, hostile inputs crossing the
// sandbox exactly.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readAttemptsJsonl } from "../../src/artifacts/attempts-jsonl.js";
import { ExitCode } from "../../src/core/errors.js";
import { loopbackEnv, useResponsesServer } from "../helpers/loopback-cli.js";
import { answer } from "../helpers/programs.js";
import { runCli, tempDir } from "../helpers/spawn-cli.js";

const startServer = useResponsesServer();
const ENUM = ["--provider", "enumerative", "--enum-max-seconds", "2", "--attempts", "2"];

/** 60 distinct inputs with commas, quotes, spaces, unicode and varying lengths; label 1 iff 'a' occurs more than 'b'. */
function awkwardRows(): { x: string; y: 0 | 1 }[] {
  const chars = ["a", "b", " ", ",", '"', "é", "😀", "c"];
  const rows: { x: string; y: 0 | 1 }[] = [];
  const seen = new Set<string>();
  let s = 7;
  while (rows.length < 60) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const len = 2 + ((s >>> 16) % 9);
    let x = "";
    for (let i = 0; i < len; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      x += chars[(s >>> 16) % chars.length];
    }
    if (seen.has(x)) continue;
    seen.add(x);
    const count = (c: string) => x.split(c).length - 1;
    rows.push({ x, y: count("a") > count("b") ? 1 : 0 });
  }
  return rows;
}

const csvField = (x: string) => (/[",\n]/.test(x) ? `"${x.replace(/"/g, '""')}"` : x);

const manifestOf = (cwd: string) =>
  JSON.parse(readFileSync(join(cwd, "run_manifest.json"), "utf8")) as {
    sessions: { fingerprint: string; fingerprint_config: Record<string, unknown>; user_data?: unknown[] }[];
  };

describe("run --data: CSV, TSV and JSONL with awkward inputs", () => {
  it("three files are three grid points, solved by the enumerator; hashes in the fingerprint and manifest", async () => {
    const cwd = tempDir();
    const rows = awkwardRows();
    writeFileSync(
      join(cwd, "quoted.csv"),
      `input,label\n${rows.map((r) => `${csvField(r.x)},${r.y}`).join("\n")}\n`,
    );
    // TSV: no quoting; the columns in another order, a column more
    const tsvRows = rows.filter((r) => !r.x.includes("\t"));
    writeFileSync(
      join(cwd, "tabbed.tsv"),
      `label\tnote\tinput\n${tsvRows.map((r) => `${r.y}\tz\t${r.x}`).join("\n")}\n`,
    );
    writeFileSync(
      join(cwd, "lines.jsonl"),
      `${rows.map((r) => JSON.stringify({ text: r.x, y: r.y })).join("\n")}\n`,
    );
    const sizes = ["--train-size", "20", "--val-size", "20"];
    const csvTsv = await runCli(["run", "--data", "quoted.csv", "tabbed.tsv", ...sizes, ...ENUM], cwd);
    expect(csvTsv.stderr).not.toMatch(/Error/);
    expect(csvTsv.code).toBe(ExitCode.ok);
    expect(csvTsv.stdout).toMatch(/\| data:quoted \| 10 \| enumerative \|.*\| yes \|/);
    expect(csvTsv.stdout).toMatch(/\| data:tabbed \| 10 \| enumerative \|.*\| yes \|/);
    // stdout is the summary table alone; the enumerator used no tokens, so no cost line (stderr) either
    expect(
      csvTsv.stdout
        .trimEnd()
        .split("\n")
        .every((l) => l.startsWith("|")),
    ).toBe(true);
    expect(csvTsv.stderr).not.toMatch(/Cost:/);
    const json = await runCli(
      [
        "run",
        "--data",
        "lines.jsonl",
        "--input-col",
        "text",
        "--label-col",
        "y",
        ...sizes,
        ...ENUM,
        "--out-dir",
        "j",
      ],
      cwd,
    );
    expect(json.code).toBe(ExitCode.ok);
    expect(json.stdout).toMatch(/\| data:lines \| 10 \| enumerative \|.*\| yes \|/);

    const records = readAttemptsJsonl(join(cwd, "results_attempts.jsonl")).records;
    const solved = records.filter((r) => r.val_acc === 1);
    expect(new Set(solved.map((r) => r.fn))).toEqual(new Set(["data:quoted", "data:tabbed"]));
    for (const r of solved) expect(r.test_acc).toBe(1);
    // the prompt shows the inputs exactly (as JSON strings: some hold spaces, quotes, commas)
    const prompt = records[0]!.prompt;
    expect(prompt).toContain("inputs are written as JSON strings");
    expect(prompt).toMatch(
      /; length \d+ to \d+; inputs are written as JSON strings\) and their corresponding scalar binary outputs/,
    );
    // nothing copied into the datasets dir
    expect(readdirSync(cwd)).not.toContain("datasets");

    const session = manifestOf(cwd).sessions[0]!;
    const sha = (f: string) =>
      createHash("sha256")
        .update(readFileSync(join(cwd, f)))
        .digest("hex");
    expect(session.user_data).toEqual([
      expect.objectContaining({
        file: "quoted.csv",
        name: "quoted",
        sha256: sha("quoted.csv"),
        split: "seeded",
      }),
      expect.objectContaining({ file: "tabbed.tsv", format: "tsv", sha256: sha("tabbed.tsv") }),
    ]);
    expect(JSON.stringify(session.fingerprint_config)).toContain(sha("tabbed.tsv"));

    // the same run again resumes: nothing new asked
    const again = await runCli(["run", "--data", "quoted.csv", "tabbed.tsv", ...sizes, ...ENUM], cwd);
    expect(again.code).toBe(ExitCode.ok);
    expect(again.stderr).toMatch(/0 new calls/);
    // rescore re-reads each file as the run did (its manifest: path, columns, seed, sizes)
    const rescored = await runCli(["rescore"], cwd);
    expect(rescored.code, rescored.stderr).toBe(ExitCode.ok);
    expect(rescored.stderr).toMatch(/0 changed accuracy/);
    expect(rescored.stdout).toMatch(/\| data:quoted \| 10 \|/);
    // other content under the same name is another fingerprint: never mixed with these attempts
    writeFileSync(join(cwd, "quoted.csv"), `${readFileSync(join(cwd, "quoted.csv"), "utf8")}zzz,0\n`);
    const changed = await runCli(["run", "--data", "quoted.csv", ...sizes, ...ENUM], cwd);
    expect(changed.code).toBe(ExitCode.ok);
    expect(changed.stderr).not.toMatch(/0 new calls/);
    const sessions = manifestOf(cwd).sessions;
    expect(sessions.at(-1)!.fingerprint).not.toBe(sessions[0]!.fingerprint);
    // rescoring the first run's attempts now says its file changed
    const after = await runCli(["rescore"], cwd);
    expect(after.stderr).toMatch(
      /the SHA-256s of .*data:quoted L=10 \(.*quoted\.csv\).* differ from those the run used/,
    );
  }, 400_000);
});

describe("run --data: bad data is refused, exit 2, the file and line named, nothing written", () => {
  const good = "input,label\na,1\nb,0\nc,1\nd,0\ne,1\nf,0\n";
  const cases: [string, string, string | Buffer, string[], RegExp][] = [
    ["empty file", "e.csv", "", [], /e\.csv:1: the file is empty/],
    ["missing column", "m.csv", "text,label\na,1\n", [], /m\.csv:1: no column 'input'/],
    [
      "conflicting labels",
      "c.csv",
      "input,label\na,1\nb,0\na,0\n",
      [],
      /c\.csv:4: the input "a" is labelled "0" here and "1" on line 2/,
    ],
    [
      "one class only",
      "o.jsonl",
      '{"input":"a","label":1}\n{"input":"b","label":1}\n',
      [],
      /o\.jsonl:2: one class only/,
    ],
    [
      "fewer than the sizes",
      "f.csv",
      good,
      ["--train-size", "4", "--val-size", "2"],
      /f\.csv: 6 examples, fewer than --train-size 4 \+ --val-size 2/,
    ],
    [
      "a newline in a CSV input",
      "n.csv",
      'input,label\nok,1\n"a\nb",0\n',
      [],
      /n\.csv:4: the input holds a line break/,
    ],
    [
      "a NUL in a TSV input",
      "n.tsv",
      "input\tlabel\nok\t1\na\u0000b\t0\n",
      [],
      /n\.tsv:3: the input holds a NUL/,
    ],
    [
      "bad UTF-8",
      "u.csv",
      Buffer.concat([Buffer.from("input,label\na,1\n"), Buffer.from([0xc3, 0x28]), Buffer.from(",0\n")]),
      [],
      /u\.csv:3: not valid UTF-8/,
    ],
    [
      "a missing file",
      "present.csv",
      good,
      ["--data", "absent.csv"],
      /absent\.csv: cannot read the data file \(ENOENT\)/,
    ],
    ["--functions with --data", "g.csv", good, ["--functions", "fn_a"], /--data replaces the built-in grid/],
    [
      "an unknown template placeholder",
      "t.csv",
      good,
      ["--prompt-template", "tpl.txt"],
      /tpl\.txt:2: unknown placeholder \{exmples\}/,
    ],
  ];
  it("every case", async () => {
    const results = await Promise.all(
      cases.map(async ([name, file, content, extra, want]) => {
        const cwd = tempDir();
        writeFileSync(join(cwd, file), content);
        writeFileSync(join(cwd, "tpl.txt"), "{n} examples:\n{exmples}\n");
        const before = readdirSync(cwd).sort();
        const res = await runCli(
          ["run", "--data", file, "--train-size", "2", "--val-size", "2", ...extra, ...ENUM],
          cwd,
        );
        return { name, res, want, before, after: readdirSync(cwd).sort() };
      }),
    );
    for (const { name, res, want, before, after } of results) {
      expect(res.stderr, name).toMatch(want);
      expect(res.code, `${name}: ${res.stderr}`).toBe(ExitCode.usage);
      expect(after, name).toEqual(before);
    }
  }, 300_000);
});

describe("run --data: several classes, scored exactly", () => {
  // label = the number of vowels as a word (none / one / two / many)
  const WORDS = ["none", "one", "two", "many"];
  const rows = Array.from({ length: 48 }, (_, i) => {
    const v = i % 4;
    const x = `${"aeio".slice(0, v === 3 ? 3 + (i % 2) : v)}${"xyz".repeat(1 + (i % 3)).slice(0, 1 + ((i * 7) % 5))}${i}`;
    const count = [...x].filter((c) => "aeiou".includes(c)).length;
    return { x, y: WORDS[Math.min(count, 3)]! };
  });
  const RIGHT = [
    "def f(x):",
    "    n = sum(c in 'aeiou' for c in x)",
    "    return ['none', 'one', 'two', 'many'][min(n, 3)]",
  ].join("\n");
  // a class every time, never the right one
  const ROTATED = [
    "def f(x):",
    "    n = sum(c in 'aeiou' for c in x)",
    "    return ['none', 'one', 'two', 'many'][(min(n, 3) + 1) % 4]",
  ].join("\n");

  it("a scripted model's programs: a wrong class is wrong, the right program is selected at 1.0", async () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, "vowels.jsonl"),
      `${rows.map((r) => JSON.stringify({ input: r.x, label: r.y })).join("\n")}\n`,
    );
    const server = await startServer({
      script: ({ index }) => ({ kind: "completed", text: answer(index === 0 ? ROTATED : RIGHT) }),
    });
    const res = await runCli(
      ["run", "--data", "vowels.jsonl", "--train-size", "16", "--val-size", "16", "--attempts", "3"],
      cwd,
      loopbackEnv(server.url),
    );
    expect(res.code, res.stderr).toBe(ExitCode.ok);
    expect(server.calls).toHaveLength(2);
    // the model is told the label set and the exact comparison; it never sees val or test
    const prompt = server.calls[0]!.prompt;
    expect(prompt).toContain(
      'labels (one of "many", "none", "one", "two"; `str(f(x))` must equal the label exactly)',
    );
    const records = readAttemptsJsonl(join(cwd, "results_attempts.jsonl")).records;
    expect(records.map((r) => r.val_acc)).toEqual([0, 1]);
    expect(records[1]).toMatchObject({ stopped_early: true, test_acc: 1, train_acc: 1 });
    expect(res.stdout).toMatch(
      /\| data:vowels \| \d+ \| openai:gpt-5 \| 2 \| 2 \| 1\.0000 \| 1\.0000 \| 1\.0000 \| yes \|/,
    );
  }, 60_000);
});

describe("run --data: hostile inputs cross the sandbox exactly", () => {
  it("NUL, newlines, CR, U+2028, protocol look-alikes, huge unicode: a program that knows their hashes scores 1.0", async () => {
    const hostile = [
      "a\nb",
      "\r\n",
      "x\u0000y",
      "\u2028\u2029",
      "L f\n111",
      "D 0 \nX crashed",
      "😀".repeat(20_000),
      "\u202eevil",
      "",
      " ",
      "1,2,3",
      "\\n",
      "'\"`",
      "naïve",
      "\ud7ff\ue000",
      "tab\there",
    ];
    const rows = hostile.map((x, i) => ({ input: x, label: i % 2 }));
    const cwd = tempDir();
    writeFileSync(join(cwd, "hostile.jsonl"), `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`);
    const sha = (x: string) => createHash("sha256").update(Buffer.from(x, "utf8")).digest("hex");
    const code = [
      "import hashlib",
      `ONES = set(${JSON.stringify(rows.filter((r) => r.label === 1).map((r) => sha(r.input)))})`,
      `ZEROS = set(${JSON.stringify(rows.filter((r) => r.label === 0).map((r) => sha(r.input)))})`,
      "def f(x):",
      "    h = hashlib.sha256(x.encode('utf-8')).hexdigest()",
      "    if h in ONES: return 1",
      "    if h in ZEROS: return 0",
      "    raise ValueError('an input arrived changed')",
    ].join("\n");
    const server = await startServer({ script: () => ({ kind: "completed", text: answer(code) }) });
    const res = await runCli(
      ["run", "--data", "hostile.jsonl", "--train-size", "6", "--val-size", "4", "--attempts", "1"],
      cwd,
      loopbackEnv(server.url),
    );
    expect(res.code, res.stderr).toBe(ExitCode.ok);
    const [r] = readAttemptsJsonl(join(cwd, "results_attempts.jsonl")).records;
    expect(r).toMatchObject({ outcome: "ok", train_acc: 1, val_acc: 1, test_acc: 1, outcome_message: "" });
  }, 60_000);
});
