/** The report as Markdown, for papers and pull requests (pure): runs, the side-by-side table, outcomes. */
import type { ReportModel } from "./report-model.js";

export function renderMarkdownReport(model: ReportModel, title = "llm-erm report"): string {
  const lines = [
    `# ${title}`,
    "",
    "| run | grid points | solved (test 1.0) | tokens | cost | cost / grid point | cost / solved | cached input tokens |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
  ];
  const usd = (x: number | null) => (x === null ? "unknown" : `$${x.toFixed(4)}`);
  for (const r of model.runs) {
    lines.push(
      `| ${cell(r.label)} | ${r.points.length} | ${r.solved} | ${r.tokens} | ${usd(r.costUsd)} | ${usd(r.costPerPointUsd)} | ${usd(r.costPerSolvedUsd)} | ${r.cachedTokens} |`,
    );
  }
  lines.push("", "Test accuracy of the ERM-selected program:", "");
  lines.push(`| task | L | ${model.runs.map((r) => cell(r.label)).join(" | ")} |`);
  lines.push(`|---|---:|${model.runs.map(() => "---:").join("|")}|`);
  for (const c of model.cells) {
    const accs = model.runs.map((r) => {
      const p = r.points.find((q) => q.fn === c.fn && q.length === c.length);
      if (p === undefined) return "-";
      const s = p.summary;
      if (s.trials > 1)
        return s.test_acc_mean === null
          ? "-"
          : `${s.test_acc_mean.toFixed(3)} ± ${(s.test_acc_std ?? 0).toFixed(3)}`;
      return s.test_acc === null ? "-" : s.test_acc.toFixed(3);
    });
    lines.push(`| ${cell(c.fn)} | ${c.length} | ${accs.join(" | ")} |`);
  }
  lines.push("", "Outcomes of all attempts:", "");
  for (const [k, n] of Object.entries(model.outcomes).sort((a, b) => b[1] - a[1]))
    lines.push(`- ${cell(k)}: ${n}`);
  return `${lines.join("\n")}\n`;
}

/** A table cell: pipes and newlines would break the table. */
const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/[\r\n]+/g, " ");
