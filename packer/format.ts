import type { PackReport, ReportRow } from "./report.ts";

const kB = (n: number) => (n / 1000).toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const arrow = (a: string | number, b: string | number) => `${a} → ${b}`;
const reduction = (r: ReportRow) => (r.brotli.in === 0 ? "–" : `${Math.round((1 - r.brotli.out / r.brotli.in) * 100)}%`);

/** The report as a console table: one row per package, the stdlib, and the total. */
export function formatReportTable(report: PackReport): string {
  const header = ["", "files", ".so", "raw kB", "gzip kB", "brotli kB", "saved"];
  const cells = (r: ReportRow) => [
    r.version ? `${r.name} ${r.version}` : r.name,
    arrow(r.files.in, r.files.out),
    r.so.in === 0 && r.so.out === 0 ? "–" : arrow(r.so.in, r.so.out),
    arrow(kB(r.bytes.in), kB(r.bytes.out)),
    arrow(kB(r.gzip.in), kB(r.gzip.out)),
    arrow(kB(r.brotli.in), kB(r.brotli.out)),
    reduction(r),
  ];
  const rows = [header, cells(report.stdlib), ...report.packages.map(cells), cells(report.total)];
  const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const rule = widths.map((w) => "─".repeat(w)).join("  ");
  const body = rows.map(line);
  body.splice(1, 0, rule);
  body.splice(body.length - 1, 0, rule);
  const runtime = `runtime (not counted, same with and without pack): ${kB(report.runtime.bytes)} kB raw, ${kB(report.runtime.brotli)} kB brotli`;
  return [...body, runtime].join("\n");
}
