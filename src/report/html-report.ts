/**
 * The report as one self-contained HTML file (pure: model in, string out). No script, no network: a
 * Content-Security-Policy forbids every fetch, charts are inline SVG, styles inline; it reads in light
 * and dark and prints. Everything that came from a model or a candidate is escaped.
 */
import type { AttemptRecord } from "../artifacts/attempt-record.js";
import type { ReportModel, ReportPoint, ReportRun } from "./report-model.js";

/** Colour-blind-safe line colours (Okabe-Ito), one per run. */
const COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"];

export interface HtmlReportOptions {
  readonly title?: string;
  /** Shown in the header (e.g. when the report was made); left out of tests that compare output. */
  readonly generatedAt?: string;
}

export function renderHtmlReport(model: ReportModel, opts: HtmlReportOptions = {}): string {
  const title = opts.title ?? "llm-erm report";
  const colour = (i: number) => COLOURS[i % COLOURS.length]!;
  const parts = [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title><style>${CSS}</style></head><body>`,
    `<header><h1>${esc(title)}</h1><p>${model.runs.length} run(s), ${model.cells.length} grid point(s), ${model.attempts} attempt(s)${opts.generatedAt ? `, made ${esc(opts.generatedAt)}` : ""}</p></header>`,
    model.selection === "test"
      ? '<p class="warn">Programs are chosen by their <strong>test</strong> accuracy (--select-by-test-accuracy, as the authors\' later runner reports): optimistic, not ERM.</p>'
      : "",
    runsTable(model, colour),
    '<section><h2>Test accuracy against length</h2><div class="charts">',
    ...model.tasks.map((fn) => chart(model, fn, colour)),
    "</div></section>",
    comparison(model, colour),
    outcomesSection(model),
    '<section><h2>Grid points</h2><p class="hint">Each attempt: its outcome, validation and test accuracy. Open a row for the selected program and what failed.</p>',
    ...model.runs.map((run, i) => pointsSection(run, colour(i))),
    "</section></body></html>",
  ];
  return `${parts.join("\n")}\n`;
}

function runsTable(model: ReportModel, colour: (i: number) => string): string {
  const usd = (x: number | null) => (x === null ? "unknown" : `$${x.toFixed(4)}`);
  const rows = model.runs.map(
    (r, i) =>
      `<tr><td><span class="swatch" style="background:${colour(i)}"></span>${esc(r.label)}</td><td class="num">${r.points.length}</td><td class="num">${r.solved}</td><td class="num">${r.tokens.toLocaleString("en-US")}</td><td class="num">${usd(r.costUsd)}</td><td class="mono">${esc(r.key.slice(0, 12))}</td><td class="num">${usd(r.costPerPointUsd)}</td><td class="num">${usd(r.costPerSolvedUsd)}</td><td class="num">${r.cachedTokens.toLocaleString("en-US")}</td></tr>`,
  );
  return `<section><h2>Runs</h2><table><thead><tr><th>run</th><th>grid points</th><th>solved (test 1.0)</th><th>tokens</th><th>cost</th><th>config</th><th>cost / grid point</th><th>cost / solved</th><th>cached input tokens</th></tr></thead><tbody>${rows.join("")}</tbody></table></section>`;
}

/** One small chart per task: x = length, y = test accuracy of the selected program, a line per run. */
function chart(model: ReportModel, fn: string, colour: (i: number) => string): string {
  const W = 320;
  const H = 200;
  const m = { l: 40, r: 10, t: 22, b: 30 };
  const lengths = [...new Set(model.cells.filter((c) => c.fn === fn).map((c) => c.length))].sort(
    (a, b) => a - b,
  );
  const lo = lengths[0] ?? 0;
  const hi = lengths.at(-1) ?? 1;
  const x = (L: number) => m.l + (hi === lo ? (W - m.l - m.r) / 2 : ((L - lo) / (hi - lo)) * (W - m.l - m.r));
  const y = (acc: number) => m.t + (1 - acc) * (H - m.t - m.b);
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (v) =>
        `<line class="grid" x1="${m.l}" x2="${W - m.r}" y1="${y(v)}" y2="${y(v)}"/><text class="tick" x="${m.l - 4}" y="${y(v) + 3}" text-anchor="end">${v}</text>`,
    )
    .join("");
  const xticks = lengths
    .map((L) => `<text class="tick" x="${x(L)}" y="${H - m.b + 14}" text-anchor="middle">${L}</text>`)
    .join("");
  const lines = model.runs
    .map((run, i) => {
      // With trials: the mean over trials, and a bar of one standard deviation each way.
      const shown = run.points.filter((p) => p.fn === fn && resultOf(p) !== null);
      const pts = shown.map((p) => [x(p.length), y(resultOf(p)!)] as const);
      if (pts.length === 0) return "";
      const bars = shown
        .filter((p) => p.summary.trials > 1 && p.summary.test_acc_std !== null)
        .map((p) => {
          const m = resultOf(p)!;
          const sd = p.summary.test_acc_std!;
          const cx = x(p.length).toFixed(1);
          return `<line class="errbar" x1="${cx}" x2="${cx}" y1="${y(Math.min(1, m + sd)).toFixed(1)}" y2="${y(Math.max(0, m - sd)).toFixed(1)}" stroke="${colour(i)}" stroke-width="1.5"/>`;
        })
        .join("");
      // Runs that agree draw on top of each other: later runs are dashed so both stay visible.
      const dash = ["", ' stroke-dasharray="7 4"', ' stroke-dasharray="2 3"'][i % 3];
      const path = `<polyline class="series" fill="none" stroke="${colour(i)}" stroke-width="2"${dash} points="${pts.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(" ")}"/>`;
      const dots = pts
        .map(([a, b]) => `<circle cx="${a.toFixed(1)}" cy="${b.toFixed(1)}" r="3" fill="${colour(i)}"/>`)
        .join("");
      return path + bars + dots;
    })
    .join("");
  return `<figure class="chart" data-task="${esc(fn)}"><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(fn)}: test accuracy against length"><text class="ctitle" x="${m.l}" y="14">${esc(fn)}</text>${grid}${xticks}<text class="tick" x="${(W + m.l) / 2}" y="${H - 2}" text-anchor="middle">length</text>${lines}</svg></figure>`;
}

/** The later runner's "other models" table: a row per grid point, a column per run. */
function comparison(model: ReportModel, colour: (i: number) => string): string {
  if (model.runs.length < 2) return "";
  const head = model.runs
    .map((r, i) => `<th><span class="swatch" style="background:${colour(i)}"></span>${esc(r.label)}</th>`)
    .join("");
  const rows = model.cells.map((c) => {
    const cells = model.runs.map((r) => {
      const p = r.points.find((q) => q.fn === c.fn && q.length === c.length);
      return `<td class="num">${p ? accWithStd(p) : "-"}</td>`;
    });
    return `<tr><td>${esc(c.fn)}</td><td class="num">${c.length}</td>${cells.join("")}</tr>`;
  });
  return `<section><h2>Side by side (test accuracy)</h2><table><thead><tr><th>task</th><th>L</th>${head}</tr></thead><tbody>${rows.join("")}</tbody></table></section>`;
}

function outcomesSection(model: ReportModel): string {
  const items = Object.entries(model.outcomes)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `<li><span class="chip o-${cls(k)}">${esc(k)}</span> ${n}</li>`)
    .join("");
  return `<section><h2>Outcomes of all attempts</h2><ul class="outcomes">${items}</ul></section>`;
}

function pointsSection(run: ReportRun, colour: string): string {
  const rows = run.points.map((p) => pointRow(p)).join("");
  return `<h3><span class="swatch" style="background:${colour}"></span>${esc(run.label)}</h3><div class="points">${rows}</div>`;
}

function pointRow(p: ReportPoint): string {
  const s = p.summary;
  const chips = p.attempts
    .map((a) => chip(a, (a.trial ?? 1) === 1 && a.attempt === s.selected_attempt))
    .join("");
  const trials =
    s.trials > 1
      ? `<span class="num">${s.trials} trials: test ${acc(s.test_acc_mean)} ± ${acc(s.test_acc_std)}, solved ${Math.round((s.solved_rate ?? 0) * s.trials)}/${s.trials}</span>`
      : "";
  const cost = s.cost_usd === null ? "cost unknown" : `$${s.cost_usd.toFixed(4)}`;
  // Every attempt that did not solve it: the sandbox's outcome, or a program that ran and was wrong.
  const failed = p.attempts.filter((a) => a.outcome !== "ok" || a.error || (a.val_acc ?? 0) < 1);
  const why = (a: AttemptRecord): string =>
    a.outcome !== "ok" || a.error
      ? `<span class="chip o-${cls(a.outcome)}">${esc(a.outcome)}</span> ${esc(a.error ?? a.outcome_message)}`
      : `<span class="chip o-wrong">wrong</span> ran, but validation accuracy ${acc(a.val_acc)} (test ${acc(a.test_acc)})${a.outcome_message ? `; ${esc(a.outcome_message)}` : ""}`;
  const failures = failed.length
    ? `<h4>What failed</h4><ul>${failed
        .map(
          (a) => `<li>${(a.trial ?? 1) > 1 ? `trial ${a.trial}, ` : ""}attempt ${a.attempt}: ${why(a)}</li>`,
        )
        .join("")}</ul>`
    : "";
  const code = p.selectedCode
    ? `<h4>Selected program (attempt ${s.selected_attempt})</h4><pre class="code"><code>${highlightPython(p.selectedCode)}</code></pre>`
    : "<p>No program was selected.</p>";
  return `<details class="point" data-point="${esc(p.fn)}/L${p.length}"><summary><span class="pname">${esc(p.fn)} L=${p.length}</span><span class="chips">${chips}</span><span class="num">val ${acc(s.val_acc)}</span><span class="num">test ${acc(s.test_acc)}</span>${trials}<span class="num">${s.attempts} attempt(s), ${(s.input_tokens + s.output_tokens).toLocaleString("en-US")} tokens, ${cost}</span></summary>${code}${failures}</details>`;
}

function chip(a: AttemptRecord, selected: boolean): string {
  const trial = a.trial ?? 1;
  const t = `${trial > 1 ? `trial ${trial}, ` : ""}attempt ${a.attempt}: ${a.outcome}, val ${acc(a.val_acc)}, test ${acc(a.test_acc)}`;
  const label = trial > 1 ? `${trial}.${a.attempt}` : String(a.attempt);
  return `<span class="chip o-${cls(a.outcome)}${selected ? " selected" : ""}" title="${esc(t)}">${label}</span>`;
}

/** What a grid point shows: the selected program's test accuracy, or with trials their mean. */
const resultOf = (p: ReportPoint): number | null =>
  p.summary.trials > 1 ? p.summary.test_acc_mean : p.summary.test_acc;

const accWithStd = (p: ReportPoint): string =>
  p.summary.trials > 1
    ? `${acc(p.summary.test_acc_mean)} ± ${acc(p.summary.test_acc_std)}`
    : acc(p.summary.test_acc);
const acc = (v: number | null | undefined): string => (v === null || v === undefined ? "-" : v.toFixed(3));
const cls = (kind: string): string => kind.replace(/[^a-z_]/g, "");

/** HTML-escape (text and attribute values). */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const PY_KEYWORDS = new Set(
  (
    "False None True and as assert async await break class continue def del elif else except finally " +
    "for from global if import in is lambda nonlocal not or pass raise return try while with yield"
  ).split(" "),
);

/** A small Python highlighter: comments, strings, numbers, keywords; everything escaped. */
export function highlightPython(code: string): string {
  const token =
    /(#[^\n]*)|("""[\s\S]*?"""|'''[\s\S]*?'''|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')|(\b\d+(?:\.\d+)?\b)|([A-Za-z_][A-Za-z0-9_]*)/g;
  let out = "";
  let last = 0;
  for (const m of code.matchAll(token)) {
    out += esc(code.slice(last, m.index));
    const [text, comment, str, num, word] = m;
    if (comment) out += `<span class="c">${esc(text)}</span>`;
    else if (str) out += `<span class="s">${esc(text)}</span>`;
    else if (num) out += `<span class="n">${esc(text)}</span>`;
    else if (word && PY_KEYWORDS.has(word)) out += `<span class="k">${esc(text)}</span>`;
    else out += esc(text);
    last = m.index + text.length;
  }
  return out + esc(code.slice(last));
}

const CSS = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1b1b1b;--muted:#666;--line:#ddd;--card:#f6f6f6;--grid:#e3e3e3}
@media (prefers-color-scheme:dark){:root{--bg:#151515;--fg:#e8e8e8;--muted:#a0a0a0;--line:#333;--card:#1f1f1f;--grid:#2c2c2c}}
body{background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1100px;padding:0 16px}
h1{font-size:22px;margin:0}h2{font-size:17px;margin-top:28px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:15px}h4{font-size:13px;margin:10px 0 4px}
header p,.hint{color:var(--muted)}.warn{border-left:4px solid #e65100;padding:4px 10px}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left}td.num,.num{text-align:right;font-variant-numeric:tabular-nums}
.mono,code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;vertical-align:baseline}
.charts{display:flex;flex-wrap:wrap;gap:12px}.chart{margin:0;background:var(--card);border-radius:6px;padding:4px}
.chart .grid{stroke:var(--grid);stroke-width:1}.chart .tick{fill:var(--muted);font-size:10px}.chart .ctitle{fill:var(--fg);font-size:12px;font-weight:600}
.chip{display:inline-block;min-width:16px;padding:0 4px;margin-right:2px;border-radius:3px;font-size:11px;text-align:center;color:#fff;background:#777}
.chip.selected{outline:2px solid var(--fg)}
.o-ok{background:#2e7d32}.o-timeout{background:#8e24aa}.o-syntax_error,.o-no_function,.o-import_error,.o-module_error{background:#c62828}
.o-no_code_found{background:#6d4c41}.o-wrong{background:#9e9d24}.o-call_error,.o-error,.o-sandbox_error{background:#37474f}.o-memory_limit,.o-output_limit,.o-crashed,.o-protocol_error{background:#e65100}
.outcomes{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:12px}
details.point{border-bottom:1px solid var(--line);padding:4px 0}details.point summary{cursor:pointer;display:flex;gap:14px;align-items:center;flex-wrap:wrap}
.pname{min-width:110px;font-weight:600}.chips{min-width:110px}
pre.code{background:var(--card);padding:10px;border-radius:6px;overflow:auto;white-space:pre-wrap}
.k{color:#7b1fa2;font-weight:600}.s{color:#2e7d32}.n{color:#1565c0}.c{color:var(--muted);font-style:italic}
@media (prefers-color-scheme:dark){.k{color:#ce93d8}.s{color:#a5d6a7}.n{color:#90caf9}}
@media print{body{margin:0;max-width:none}details.point{break-inside:avoid}details.point>*:not(summary){display:block}.chart{break-inside:avoid}}
`;
