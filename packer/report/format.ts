import type { PackReport, ReportRow } from "./report.ts";

export const kB = (n: number) => (n / 1000).toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
/** "1 file", "1,234 files". */
const count = (n: number, noun: string) => `${n.toLocaleString("en-US")} ${noun}${n === 1 ? "" : "s"}`;
const arrow = (a: string | number, b: string | number) => `${a} → ${b}`;
const reduction = (r: ReportRow) => (r.brotli.in === 0 ? "–" : `${Math.round((1 - r.brotli.out / r.brotli.in) * 100)}%`);

export const ROW_HEADER = ["", "files", ".so", "raw kB", "gzip kB", "brotli kB", "saved"];

/** One report row as the cells every view shows (console table, Markdown). */
export function rowCells(r: ReportRow): string[] {
  return [
    r.version ? `${r.name} ${r.version}` : r.name,
    arrow(r.files.in, r.files.out),
    r.so.in === 0 && r.so.out === 0 ? "–" : arrow(r.so.in, r.so.out),
    arrow(kB(r.bytes.in), kB(r.bytes.out)),
    arrow(kB(r.gzip.in), kB(r.gzip.out)),
    arrow(kB(r.brotli.in), kB(r.brotli.out)),
    reduction(r),
  ];
}

/** The report as a console table: one row per package, the stdlib, and the total. */
export function formatReportTable(report: PackReport): string {
  const header = ROW_HEADER;
  const cells = rowCells;
  const rows = [header, cells(report.stdlib), ...report.packages.map(cells), cells(report.total)];
  const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const rule = widths.map((w) => "─".repeat(w)).join("  ");
  const body = rows.map(line);
  body.splice(1, 0, rule);
  body.splice(body.length - 1, 0, rule);
  return [...body, formatRuntime(report)].join("\n");
}

/** The runtime a page downloads before the first result, and what its split and its deferred data leave for later. */
export function formatRuntime(report: PackReport): string {
  const { runtime } = report;
  if (!runtime.stock) return `runtime (not counted, same with and without pack): ${kB(runtime.bytes)} kB raw, ${kB(runtime.brotli)} kB brotli`;
  const parts = [`runtime (not counted): ${kB(runtime.brotli)} kB brotli before the first result, stock ${kB(runtime.stock.brotli)} kB`];
  if (runtime.deferred) parts.push(`its wasm split: ${runtime.deferred.functions} functions that did not run in ${runtime.deferred.file}, ${kB(runtime.deferred.brotli)} kB brotli, loaded by need`);
  if (runtime.data) parts.push(`its data: the tables of ${runtime.data.modules.length} built-in modules the run did not import (${runtime.data.modules.join(", ")}), ${kB(runtime.data.brotli)} kB brotli, written back before their first import`);
  return parts.join("; ");
}

/**
 * The page's own files, the origins it asked and what the app installed while it ran,
 * when there are any: a line each.
 */
export function formatAssets(report: PackReport): string | undefined {
  const assets = report.assets;
  if (!assets) return undefined;
  const lines: string[] = [];
  if (report.pyscript) {
    const p = report.pyscript;
    lines.push(`pyscript: ${p.files.length} files of PyScript the page loaded, served from ./${p.folder}/, ${kB(p.brotli)} kB brotli; counted in the page's budget (--budget-page), listed among the assets`);
  }
  if (assets.files.length > 0) {
    const shown = assets.files.slice(0, 5).map((f) => `${f.name} ${kB(f.brotli)}`);
    const more = assets.files.length > 5 ? `, and ${assets.files.length - 5} more (report.json assets)` : "";
    const brotli = assets.files.reduce((n, f) => n + f.brotli, 0);
    lines.push(`assets: ${assets.files.length} files the page fetched, copied beside index.html, ${kB(brotli)} kB brotli (${shown.join(", ")}${more}); not in the table above`);
  }
  if (assets.external.length > 0) {
    const hosts = new Map<string, number>();
    for (const e of assets.external) hosts.set(e.host, (hosts.get(e.host) ?? 0) + 1);
    const list = [...hosts].map(([host, n]) => `${host} (${n})`).join(", ");
    lines.push(`assets: requests to other origins, not copied: ${list}`);
  }
  for (const i of report.installs ?? []) {
    const brought = i.packages.length > 0 ? i.packages.join(", ") : "nothing new";
    lines.push(`installs: ${i.via}(${i.requested.join(", ")}) while the app ran brought ${brought}; the bundle holds what it brought, so the call needs no download`);
  }
  return lines.length > 0 ? lines.join("\n") : undefined;
}

/** One line per request of the page that failed during the trace. */
export function assetWarnings(report: PackReport): string[] {
  return (report.assets?.failed ?? []).map((f) => `the page's request for ${f.url} failed during the trace (${f.status === 0 ? "no response" : `HTTP ${f.status}`}); the app saw that failure, and so will the bundle's`);
}

/** Lazy bodies: what the table leaves out because a page fetches it after the first result. */
export function formatDeferred(report: PackReport): string | undefined {
  const d = report.total.deferred;
  if (!d) return undefined;
  const parts = [report.stdlib, ...report.packages].flatMap((r) => (r.deferred ? [`${r.name} ${kB(r.deferred.brotli)}`] : []));
  return (
    `lazy bodies: ${d.functions.toLocaleString("en-US")} functions that did not run ship as stubs; their code, ${kB(d.brotli)} kB brotli ` +
    `(${parts.join(", ")}), loads on first call or is prefetched after the first result, and is not in the table above`
  );
}

/** Lazy asyncio: the modules that wait apart until the app starts asyncio. */
export function formatLazyAsyncio(report: PackReport): string | undefined {
  const a = report.lazyAsyncio;
  if (!a) return undefined;
  return (
    `lazy asyncio: the run never started asyncio; ${a.modules} modules starting it imports, ${kB(a.brotli)} kB brotli, ` +
    `wait in startup/asyncio.zip, read when the app starts it or prefetched after the first result, and are not in the table above (--eager-asyncio loads them at start-up)`
  );
}

/** What the static witness and the transforms found, a few lines under the table. */
export function formatFindings(report: PackReport): string {
  const lines: string[] = [];
  const { untraced, unfollowed, strategy } = report.static;
  if (untraced.length > 0) {
    const byInput = new Map<string, { count: number; bytes: number }>();
    for (const u of untraced) {
      const entry = byInput.get(u.input) ?? { count: 0, bytes: 0 };
      entry.count++;
      entry.bytes += u.bytes;
      byInput.set(u.input, entry);
    }
    const fate = strategy === "safe" ? "kept (strategy safe)" : "left out (strategy trace; --strategy safe keeps them)";
    lines.push(`static: modules that traced code can import but the run did not, ${fate}:`);
    for (const [input, { count, bytes }] of [...byInput].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`  ${input}: ${count} modules, ${kB(bytes)} kB raw`);
    }
  }
  if (unfollowed.length > 0) {
    lines.push(`static: ${unfollowed.length} dynamic imports in kept modules cannot be followed (list in report.json static.unfollowed), e.g.`);
    for (const u of unfollowed.slice(0, 3)) lines.push(`  ${u.path}:${u.line}  ${u.code}`);
  }
  for (const path of report.static.syntaxErrors) {
    lines.push(`warning: ${path} does not parse; kept as it is, its imports only partly known`);
  }
  const totals = new Map<string, { files: number; change: number }>();
  for (const byTransform of Object.values(report.transforms.savings)) {
    for (const [name, s] of Object.entries(byTransform)) {
      const entry = totals.get(name) ?? { files: 0, change: 0 };
      entry.files += s.files;
      entry.change += s.after - s.before;
      totals.set(name, entry);
    }
  }
  if (totals.size > 0) {
    // .pyc is larger than the source it replaces (raw): it is there for start-up time.
    const parts = [...totals].map(([name, t]) => `${name} ${t.change > 0 ? "+" : "-"}${kB(Math.abs(t.change))} kB in ${t.files} files`);
    lines.push(`transforms (raw bytes): ${parts.join(", ")}`);
  }
  const sourceRead = report.transforms.sourceRead ?? [];
  if (sourceRead.length > 0) {
    lines.push(`transforms: ${count(sourceRead.length, "source")} kept as written, not minified or compiled, because the traced run read the lines (inspect.getsource, a traceback or warning), e.g. ${sourceRead[0]}`);
  }
  const docsRead = Object.entries(report.transforms.keptDocstrings ?? {}).filter(([, why]) => why !== "--keep-docstrings");
  if (docsRead.length > 0) {
    const [[path, why]] = docsRead as [[string, string]];
    const kept = docsRead.length === 1 ? "1 module keeps its docstrings" : `${count(docsRead.length, "module")} keep their docstrings`;
    const which = docsRead.length === 1 ? `${path} (${why})` : `e.g. ${path} (${why}); report.json transforms.keptDocstrings lists them`;
    lines.push(`transforms: ${kept} because the traced run read them (help, pydoc, inspect.getdoc): ${which}`);
  }
  const deferred = formatDeferred(report);
  if (deferred) lines.push(deferred);
  const lazyAsyncio = formatLazyAsyncio(report);
  if (lazyAsyncio) lines.push(lazyAsyncio);
  const bundleOnly = report.transforms.bundleOnly?.length ?? 0;
  if (bundleOnly > 0) {
    lines.push(`lazy bodies: ${bundleOnly} functions ran in the bundle but not in the trace (a transform changed their path); shipped whole`);
  }
  const unused = report.appFolder?.unused;
  if (unused && unused.files > 0) {
    const files = `${unused.files.toLocaleString("en-US")} file${unused.files === 1 ? "" : "s"}`;
    lines.push(`app folder: ${files} staged beside the app (${kB(unused.bytes)} kB) did not run or open; left out (--files GLOB stages fewer)`);
  }
  const listed = report.appFolder?.listed;
  if (listed) {
    const files = `${listed.files.toLocaleString("en-US")} file${listed.files === 1 ? "" : "s"}`;
    const where = listed.folders.length === 1 ? listed.folders[0] : `${listed.folders[0]} and ${listed.folders.length - 1} more`;
    lines.push(`app folder: ${files} (${kB(listed.bytes)} kB) ship only because the app listed their folder (${where}), so that the listing is stock's; --files GLOB stages fewer`);
  }
  const { fallback } = report;
  if (fallback && fallback.mode !== "off" && fallback.archives.length + fallback.remote.length > 0) {
    const remote = fallback.remote.length > 0 ? ` and ${fallback.remote.length} archive${fallback.remote.length === 1 ? "" : "s"} from the index URL` : "";
    const { count, largest } = fallback.chunks ?? { count: fallback.archives.length, largest: 0 };
    const prefetch = fallback.prefetch?.chunks ? `; ${fallback.prefetch.chunks} chunk${fallback.prefetch.chunks === 1 ? "" : "s"} (${kB(fallback.prefetch.bytes)} kB) of likely misses read after the first result` : "";
    lines.push(
      `fallback: ${kB(fallback.bytes)} kB in fallback/ (${count} chunk${count === 1 ? "" : "s"}${count > 0 ? `, largest ${kB(largest)} kB` : ""})${remote}, fetched only the chunks a pruned piece needs${prefetch}; --fallback off drops it`,
    );
  }
  return lines.join("\n");
}
