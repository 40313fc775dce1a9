// What the default --fallback local adds to the deploy folder per app (never to what a
// page downloads unless a pruned piece is needed), and what --fallback cdn leaves.
// Usage: npm run build && node benchmarks/fallback-cost.mjs
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pack } from "../dist/packer/index.js";
import { ANCHOR_APPS, APPS_314, kB, REPO } from "./apps.mjs";

console.log("| app | bundle brotli kB | fallback/ local kB (archives) | fallback/ cdn kB |");
console.log("|---|---:|---:|---:|");
for (const spec of [...ANCHOR_APPS, APPS_314.plotly]) {
  const cells = [];
  let bundle;
  for (const fallback of ["local", "cdn"]) {
    const out = mkdtempSync(join(tmpdir(), "bench-fb-"));
    try {
      const { report } = await pack({ app: spec.app, cwd: REPO, pyodide: spec.pyodide, findLinks: spec.findLinks, out, validate: false, fallback });
      bundle = report.total.brotli.out;
      cells.push(`${kB(report.fallback.bytes)}${fallback === "local" ? ` (${report.fallback.archives.length})` : ""}`);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }
  console.log(`| ${spec.name} | ${kB(bundle)} | ${cells.join(" | ")} |`);
}
