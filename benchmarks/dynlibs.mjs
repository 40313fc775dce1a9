// .so files kept vs shipped for apps on real compiled wheels (0.29.3): count and raw
// bytes per package, after a trace in Chromium, each bundle validated.
// Usage: npm run build && node benchmarks/dynlibs.mjs
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pack } from "../dist/packer/index.js";
import { anchor, kB, REPO, WHEELS_029 } from "./apps.mjs";

const fixture = (name) => join(REPO, "fixtures", "apps", name, "app.py");
const APPS = [
  ["numpy (anchor)", anchor("numpy")],
  ["jinja2 (anchor, markupsafe)", anchor("jinja2")],
  ["pillow", fixture("pillow")],
  ["contourpy", fixture("contourpy")],
];

console.log("| app | package | .so kept / total | .so raw kB kept / total | loaded, in order |");
console.log("|---|---|---:|---:|---|");
for (const [name, app] of APPS) {
  const out = mkdtempSync(join(tmpdir(), "bench-so-"));
  try {
    const { report } = await pack({ app, cwd: REPO, findLinks: [WHEELS_029], out, pyodide: "0.29.3" });
    if (!report.validation.ok) throw new Error(`${name}: bundle did not validate`);
    const loaded = report.dynlibs.map((d) => d.path.split("/").pop().replace(/\.cpython-\d+-wasm32-emscripten/, "") + (d.global ? " (global)" : ""));
    report.packages
      .filter((p) => p.so.in > 0)
      .forEach((p, i) => {
        const order = i === 0 ? loaded.join(", ") : "″";
        console.log(`| ${name} | ${p.name} ${p.version} | ${p.so.out} / ${p.so.in} | ${kB(p.soBytes.out)} / ${kB(p.soBytes.in)} | ${order} |`);
      });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
