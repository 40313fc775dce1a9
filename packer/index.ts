export { analyzeApp, explain, pack, compareRuns, type Analysis, type PackOptions, type PackResult, type Runner } from "./pack.ts";
export { main, type World } from "./cli.ts";
export { PackError, isPackError, type ErrorCode } from "./errors.ts";
export { formatFindings, formatReportTable } from "./format.ts";
export type { PackReport, ReportRow, Validation } from "./report.ts";
export type { Manifest } from "./bundle.ts";
export type { Host, TraceResult, AppRun } from "../runtime/host.ts";
