// Packs the anchor apps (and the 314.x apps) and prints a Markdown table of what a page
// downloads besides the runtime, stock vs bundle, with pack wall times: once with an
// empty cache (cold: sizes measured from scratch), once warm.
// Usage: npm run build && node benchmarks/pack-sizes.mjs [app-name ...]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pack } from "../dist/packer/index.js";
import { ANCHOR_APPS, APPS_314, kB, REPO as repo } from "./apps.mjs";

const APPS = [...ANCHOR_APPS, APPS_314.stdlib_only, APPS_314.plotly];
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
