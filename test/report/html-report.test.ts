import { describe, expect, it } from "vitest";
import type { AttemptRecord } from "../../src/artifacts/attempt-record.js";
import { esc, highlightPython, renderHtmlReport } from "../../src/report/html-report.js";
import { renderMarkdownReport } from "../../src/report/markdown-report.js";
import { buildReportModel } from "../../src/report/report-model.js";

const ZERO = {
  input_tokens: 10,
  output_tokens: 5,
  total_tokens: 15,
  prompt_tokens: 10,
  completion_tokens: 5,
  cached_tokens: 0,
  reasoning_tokens: 0,
};

function rec(over: Partial<AttemptRecord>): AttemptRecord {
  return {
    fn: "fn_a",
    length: 20,
    attempt: 1,
    prompt: "p",
    text: JSON.stringify({ code: "def f(x):\n    return x.count('1') % 2\n" }),
    duration_ms: 1,
    cached_tokens: 0,
    prompt_tokens: 10,
    completion_tokens: 5,
    reasoning_tokens: 0,
    tool_uses: 0,
    tool_results_chars: 0,
    val_acc: 1,
    test_acc: 1,
    stopped_early: true,
    compile_error: "",
    usage: ZERO,
    proposer: "openai:gpt-5",
    config_fingerprint: "aaaaaaaaaaaaaaaa",
    train_acc: 1,
    outcome: "ok",
    outcome_message: "",
    verify_ms: 1,
    cost_usd: 0.01,
    ts: "2026-12-02T00:00:00Z",
    ...over,
  };
}

const HOSTILE = '</style></pre><script>alert(1)</script><img src=x onerror="fetch(`//evil`)">';

const records: AttemptRecord[] = [
  rec({}),
  rec({
    length: 40,
    attempt: 1,
    val_acc: 0.5,
    test_acc: 0.5,
    stopped_early: false,
    outcome: "timeout",
    outcome_message: HOSTILE,
  }),
  rec({
    length: 40,
    attempt: 2,
    text: JSON.stringify({ code: `def f(x):\n    return '${HOSTILE.replace(/'/g, "")}'\n` }),
    val_acc: 0.75,
    test_acc: 0.7,
    stopped_early: false,
  }),
  rec({
    fn: "fn_b",
    length: 20,
    val_acc: 0.6,
    test_acc: 0.55,
    stopped_early: false,
    outcome: "syntax_error",
    text: HOSTILE,
  }),
  rec({
    proposer: "enumerative",
    config_fingerprint: "bbbbbbbbbbbbbbbb",
    val_acc: 1,
    test_acc: 1,
    cost_usd: null,
  }),
];

describe("the HTML report", () => {
  const html = renderHtmlReport(buildReportModel(records));

  it("escapes everything a model or a candidate wrote: no tag of theirs survives", () => {
    expect(html).not.toMatch(/<script|<img/i);
    expect(html).toContain("&#60;script&#62;alert(1)&#60;/script&#62;");
    // One style element (ours), closed once.
    expect(html.match(/<\/style>/g)).toHaveLength(1);
  });

  it("forbids every fetch and carries no script", () => {
    expect(html).toMatch(/Content-Security-Policy" content="default-src 'none'/);
    expect(html).not.toMatch(/<script|src="http|href="http/);
  });

  it("has every grid point of every run, a chart per task with a line per run that has data, and the side-by-side table", () => {
    const points = [...html.matchAll(/<details class="point" data-point="([^"]+)"/g)].map((m) => m[1]);
    expect(points).toEqual(["fn_a/L20", "fn_a/L40", "fn_b/L20", "fn_a/L20"]);
    expect([...html.matchAll(/<figure class="chart" data-task="([^"]+)"/g)].map((m) => m[1])).toEqual([
      "fn_a",
      "fn_b",
    ]);
    // fn_a: both runs have points; fn_b: only the model run.
    expect(html.match(/<polyline class="series"/g)).toHaveLength(3);
    expect(html).toContain("Side by side (test accuracy)");
  });

  it("shows the selected program (the ERM choice), highlighted, and what failed", () => {
    // fn_a L=40: attempt 2 has the better validation accuracy.
    const l40 = html.slice(html.indexOf('data-point="fn_a/L40"'), html.indexOf('data-point="fn_b/L20"'));
    expect(l40).toContain("Selected program (attempt 2)");
    expect(l40).toContain('<span class="k">def</span>');
    expect(l40).toMatch(/attempt 1: <span class="chip o-timeout">timeout<\/span>/);
    // A program that ran but was wrong is listed too, with its accuracy.
    expect(l40).toMatch(
      /attempt 2: <span class="chip o-wrong">wrong<\/span> ran, but validation accuracy 0\.750 \(test 0\.700\)/,
    );
  });

  it("the highlighter keeps the source text exactly (once unescaped)", () => {
    const src = "# c <x>\ndef f(x):\n    return \"a&b\" if x else 0.5  # 'q'\n";
    const text = highlightPython(src)
      .replace(/<[^>]+>/g, "")
      .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
    expect(text).toBe(src);
    expect(esc("<&>\"'")).toBe("&#60;&#38;&#62;&#34;&#39;");
  });
});

describe("the Markdown report", () => {
  it("has a row per grid point and a column per run; a pipe in a name cannot break the table", () => {
    const md = renderMarkdownReport(
      buildReportModel([...records, rec({ proposer: "a|b", config_fingerprint: "cccccccccccccccc" })]),
    );
    expect(md).toContain("| fn_a | 40 | 0.700 | - | - |");
    expect(md).toContain("| a\\|b |");
  });
});

describe("the report with --trials", () => {
  it("plots each grid point's mean over trials with a one-std error bar, and labels attempts by trial", () => {
    const trials = [
      rec({ test_acc: 1 }),
      rec({ trial: 2, test_acc: 0.5, val_acc: 0.9, stopped_early: false }),
      rec({ trial: 3, test_acc: 0.75, val_acc: 0.9, stopped_early: false }),
    ];
    const html = renderHtmlReport(buildReportModel(trials));
    expect(html.match(/<line class="errbar"/g)).toHaveLength(1);
    expect(html).toContain(">2.1</span>");
    expect(html).toContain("3 trials: test 0.750 ± 0.250, solved 1/3");
    const md = renderMarkdownReport(buildReportModel(trials));
    expect(md).toContain("| fn_a | 20 | 0.750 ± 0.250 |");
  });
});
