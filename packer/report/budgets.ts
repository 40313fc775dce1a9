import type { PackReport } from "./report.ts";

const UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/** "1.5MB" → 1500000, "800kB" → 800000, "1MiB" → 1048576, 2048 → 2048; undefined when unreadable. */
export function parseSize(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  if (!m) return undefined;
  const unit = UNITS[(m[2] || "b").toLowerCase()];
  return unit === undefined ? undefined : Math.round(Number(m[1]) * unit);
}

export interface Budgets {
  /** What a page downloads before the app's first result (deferred bodies excluded). */
  total?: number;
  /** The same plus the deferred function bodies the page prefetches after it. */
  all?: number;
  /** What a page downloads before the app's first result, the runtime included. */
  page?: number;
  stdlib?: number;
  /** Package name (any case) → limit. */
  packages?: Record<string, number>;
}

/** A limit the bundle went over: data, not text (the reporters word it). */
export interface BudgetViolation {
  code: "BUDGET_EXCEEDED";
  path: string;
  args: { limit: number; actual: number };
}

const kB = (n: number) => `${(n / 1000).toLocaleString("en-US", { maximumFractionDigits: 1 })} kB`;

export function budgetMessage(v: BudgetViolation): string {
  const over = v.args.actual - v.args.limit;
  return `${v.path} is ${kB(v.args.actual)} brotli, over its budget of ${kB(v.args.limit)} by ${kB(over)}`;
}

/** Each limit the report's brotli "out" figures exceed. */
export function checkBudgets(report: PackReport, budgets: Budgets): BudgetViolation[] {
  const violations: BudgetViolation[] = [];
  const check = (path: string, actual: number, limit: number | undefined) => {
    if (limit !== undefined && actual > limit) violations.push({ code: "BUDGET_EXCEEDED", path, args: { limit, actual } });
  };
  check("total", report.total.brotli.out, budgets.total);
  check("total with deferred bodies", report.total.brotli.out + (report.total.deferred?.brotli ?? 0) + (report.lazyAsyncio?.brotli ?? 0), budgets.all);
  // A PyScript page downloads its PyScript before its first result too.
  if (budgets.page !== undefined) check("page with the runtime", report.total.brotli.out + report.runtime.brotli + (report.pyscript?.brotli ?? 0), budgets.page);
  check("stdlib", report.stdlib.brotli.out, budgets.stdlib);
  for (const [name, limit] of Object.entries(budgets.packages ?? {})) {
    const row = report.packages.find((p) => p.name.toLowerCase() === name.toLowerCase());
    check(row?.name ?? name, row?.brotli.out ?? 0, limit);
  }
  return violations;
}

export interface Delta {
  name: string;
  before: number;
  after: number;
  delta: number;
  /** Growth in percent of before; undefined when before was 0. */
  percent?: number;
}

/** Brotli "out" bytes per row (stdlib, packages, total) against a previous report. */
export function compareReports(previous: PackReport, current: PackReport): Delta[] {
  const rows = (r: PackReport) => new Map([r.stdlib, ...r.packages, r.total].map((row) => [row.name, row.brotli.out]));
  const before = rows(previous);
  const after = rows(current);
  const names = [...new Set([...before.keys(), ...after.keys()])].filter((n) => n !== "stdlib" && n !== "total").sort();
  return ["stdlib", ...names, "total"].map((name) => {
    const b = before.get(name) ?? 0;
    const a = after.get(name) ?? 0;
    return { name, before: b, after: a, delta: a - b, ...(b > 0 ? { percent: ((a - b) / b) * 100 } : {}) };
  });
}

/** "5%" or "20kB": whether the total's growth goes over it. */
export function growthExceeds(total: Delta, maxGrowth: string): boolean {
  const percent = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(maxGrowth);
  if (percent) return total.percent !== undefined && total.percent > Number(percent[1]);
  const bytes = parseSize(maxGrowth);
  return bytes !== undefined && total.delta > bytes;
}
