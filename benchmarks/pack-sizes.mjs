// Packs the anchor apps (and the 314.x apps) and prints a Markdown table of what a page
// downloads besides the runtime, stock vs bundle, with pack wall times: once with an
// empty cache (cold: sizes measured from scratch), once warm.
// Usage: npm run build && node benchmarks/pack-sizes.mjs [app-name ...]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pack } from "../dist/packer/index.js";

const repo = resolve(import.meta.dirname, "..");
const shared = resolve(repo, "..", "shared");
const w029 = join(shared, "wheels", "pyodide-0.29");
const pure = join(shared, "wheels", "pure");
const anchor = (name) => join(shared, "anchor-apps", name, "app.py");

const APPS = [
  { name: "stdlib_only", app: anchor("stdlib_only"), pyodide: "0.29.3", findLinks: [w029] },
  { name: "numpy", app: anchor("numpy"), pyodide: "0.29.3", findLinks: [w029] },
  { name: "jinja2", app: anchor("jinja2"), pyodide: "0.29.3", findLinks: [w029] },
  { name: "rich", app: anchor("rich"), pyodide: "0.29.3", findLinks: [w029] },
  { name: "mpmath", app: anchor("mpmath"), pyodide: "0.29.3", findLinks: [w029] },
  { name: "stdlib_only (314)", app: anchor("stdlib_only"), pyodide: "314", findLinks: [] },
  { name: "plotly (314)", app: join(repo, "fixtures", "apps", "plotly", "app.py"), pyodide: "314", findLinks: [pure] },
];

const kB = (n) => (n / 1000).toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const triple = (t, side) => `${kB(t.bytes[side])} / ${kB(t.gzip[side])} / ${kB(t.brotli[side])}`;

const only = process.argv.slice(2);
console.log("| app | Pyodide | stock raw / gzip / brotli kB | bundle raw / gzip / brotli kB | files | .so | pack s cold | pack s warm |");
console.log("|---|---|---|---|---|---|---|---|");
for (const spec of APPS.filter((a) => only.length === 0 || only.includes(a.name))) {
  const cacheDir = mkdtempSync(join(tmpdir(), "bench-cache-"));
  const times = [];
  let report;
  for (let run = 0; run < 2; run++) {
    const out = mkdtempSync(join(tmpdir(), "bench-out-"));
    const started = performance.now();
    ({ report } = await pack({ app: spec.app, cwd: repo, pyodide: spec.pyodide, findLinks: spec.findLinks, out, cacheDir }));
    times.push((performance.now() - started) / 1000);
    rmSync(out, { recursive: true, force: true });
  }
  rmSync(cacheDir, { recursive: true, force: true });
  const t = report.total;
  console.log(
    `| ${spec.name} | ${report.pyodide.version} | ${triple(t, "in")} | ${triple(t, "out")} | ${t.files.in} → ${t.files.out} | ${t.so.in} → ${t.so.out} | ${times[0].toFixed(1)} | ${times[1].toFixed(1)} |`,
  );
}
