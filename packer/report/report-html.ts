import { readFileSync } from "node:fs";
import { REPORT_PAGE } from "../../runtime/host/assets.ts";
import type { PackReport } from "./report.ts";
import type { SizeTree } from "./size-tree.ts";

/** report.html: the report and both size trees in one page that needs no network. */
export function renderReportHtml(report: PackReport, trees: { before: SizeTree; after: SizeTree }): string {
  // Inside <script>, "<" could close the element: JSON allows it escaped.
  const data = JSON.stringify({ report, trees }).replace(/</g, "\\u003c");
  return readFileSync(REPORT_PAGE, "utf8").replace("DATA", () => data);
}
