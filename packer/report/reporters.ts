import { budgetMessage, type BudgetViolation, type Delta } from "./budgets.ts";
import { formatAssets, formatDeferred, formatFindings, formatLazyAsyncio, formatReportTable, formatRuntime, kB, ROW_HEADER, rowCells } from "./format.ts";
import type { PackReport, ReportRow } from "./report.ts";

/** Everything a reporter shows: the report, budget violations, and deltas when comparing. */
export interface ReportView {
  report: PackReport;
  violations: BudgetViolation[];
  deltas?: Delta[];
  /** The --max-growth limit the total went over, if it did. */
  growthLimit?: string;
}

export interface ReporterOptions {
  color: boolean;
}

const signed = (n: number) => (n > 0 ? "+" : n < 0 ? "−" : "±") + kB(Math.abs(n));
const percent = (d: Delta) => (d.percent === undefined ? "new" : `${d.percent > 0 ? "+" : ""}${d.percent.toFixed(1)}%`);

export function growthMessage(total: Delta, limit: string): string {
  return `total grew by ${signed(total.delta)} kB brotli (${percent(total)}), more than --max-growth ${limit}`;
}

/** Every limit the bundle went over (budgets, --max-growth), one line each. */
export function failureMessages(view: ReportView): string[] {
  return [...view.violations.map(budgetMessage), ...(view.growthLimit ? [growthMessage(view.deltas!.at(-1)!, view.growthLimit)] : [])];
}

function consoleView(view: ReportView, options: ReporterOptions): string {
  const red = (s: string) => (options.color ? `\x1b[31m${s}\x1b[39m` : s);
  const parts = [formatReportTable(view.report)];
  const findings = formatFindings(view.report);
  if (findings) parts.push(findings);
  const assets = formatAssets(view.report);
  if (assets) parts.push(assets);
  if (view.deltas) {
    const width = Math.max(...view.deltas.map((d) => d.name.length));
    parts.push(
      ["brotli kB vs previous report:", ...view.deltas.map((d) => `  ${d.name.padEnd(width)}  ${kB(d.before)} → ${kB(d.after)}  ${signed(d.delta)}  ${percent(d)}`)].join("\n"),
    );
  }
  const failures = failureMessages(view);
  if (failures.length > 0) parts.push(failures.map((f) => red(`over budget: ${f}`)).join("\n"));
  return parts.join("\n\n");
}

function markdownRow(r: ReportRow): string {
  return `| ${rowCells(r).join(" | ")} |`;
}

/** For a pull-request comment or $GITHUB_STEP_SUMMARY. */
function markdownView(view: ReportView): string {
  const { report } = view;
  const lines = [
    `### pyodide-packer: ${report.main.split("/").pop()} on Pyodide ${report.pyodide.version}`,
    "",
    `|${ROW_HEADER.join(" | ")} |`,
    "|---|---:|---:|---:|---:|---:|---:|",
    markdownRow(report.stdlib),
    ...report.packages.map(markdownRow),
    markdownRow({ ...report.total, name: "**total**" }),
    "",
    report.runtime.stock ? `${formatRuntime(report).replace(/^runtime \(not counted\)/, "Runtime (not counted above)")}.` : `Runtime (same with and without pack): ${kB(report.runtime.brotli)} kB brotli, not counted above.`,
    ...(report.total.deferred ? [formatDeferred(report)!.replace(/^lazy bodies: /, "Lazy bodies: ") + "."] : []),
    ...(report.lazyAsyncio ? [formatLazyAsyncio(report)!.replace(/^lazy asyncio: /, "Lazy asyncio: ") + "."] : []),
    ...(formatAssets(report)?.split("\n").map((line) => line.replace(/^assets: /, "Assets: ") + ".") ?? []),
    report.validation.skipped
      ? "Not validated."
      : `Validated in ${report.runner}: ${report.validation.outputMatches ? "the bundle prints what the traced run printed" : "output differs"}.`,
  ];
  if (view.deltas) {
    lines.push("", "| brotli kB | before | after | change |", "|---|---:|---:|---:|");
    for (const d of view.deltas) lines.push(`| ${d.name} | ${kB(d.before)} | ${kB(d.after)} | ${signed(d.delta)} (${percent(d)}) |`);
  }
  const failures = failureMessages(view);
  lines.push("", ...(failures.length > 0 ? failures.map((f) => `- ❌ over budget: ${f}`) : ["Budgets: ✅ within every limit."]));
  return lines.join("\n");
}

/** Reporters by name, all over one ReportView. */
/** Turns the report view into the text a reporter prints. */
export type Reporter = (view: ReportView, options: ReporterOptions) => string;

export const REPORTERS: Record<string, Reporter> = {
  console: consoleView,
  json: (view) => JSON.stringify(view.report, null, 2),
  markdown: markdownView,
};
