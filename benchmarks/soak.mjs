// Packs the anchor apps, the 314 apps and a page app over and over, K at a time and
// optionally beside a CPU hog, to find a pack that hangs: each pack's wall time and
// outcome (exit code, last stderr line), then a summary. Not in the test suite.
// Usage: npm run build && node benchmarks/soak.mjs [--packs N] [--parallel K] [--hog] [--timeout S]
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { ANCHOR_APPS, APPS_314, REPO, median } from "./apps.mjs";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const packs = option("--packs", 50);
const parallel = option("--parallel", 1);
const timeout = option("--timeout", 120);
const hog = args.includes("--hog");

const SPECS = [
  ...[...ANCHOR_APPS, APPS_314.stdlib_only, APPS_314.plotly, APPS_314.docutils].map((a) => ({
    name: a.name,
    args: [a.app, "--pyodide", a.pyodide, ...a.findLinks.flatMap((d) => ["--find-links", d])],
  })),
  {
    name: "click (page scenario)",
    args: [join(REPO, "fixtures/apps/click/app.py"), "--scenario", join(REPO, "fixtures/apps/click/click.mjs")],
  },
];

/** One pack in its own process: wall seconds, exit code, its last stderr line. */
function packOnce(spec) {
  const out = mkdtempSync(join(tmpdir(), "soak-"));
  const started = performance.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(REPO, "dist/packer/cli/bin.js"), ...spec.args, "--out", join(out, "dist"), "--timeout", String(timeout), "-q"], { cwd: REPO });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.stdout.resume();
    child.on("close", (code) => {
      rmSync(out, { recursive: true, force: true });
      const last = stderr.trim().split("\n").filter((l) => !/^pack: \w+…$/.test(l)).pop() ?? "";
      done({ name: spec.name, seconds: (performance.now() - started) / 1000, code, last, load: loadavg()[0] });
    });
  });
}

/** A busy loop in a child process, one core's worth, until killed. */
function startHog() {
  return spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" });
}

const hogs = hog ? [startHog()] : [];
const results = [];
let next = 0;
const worker = async () => {
  while (next < packs) {
    const spec = SPECS[next++ % SPECS.length];
    const result = await packOnce(spec);
    results.push(result);
    console.log(`${String(results.length).padStart(4)} ${result.name.padEnd(22)} ${result.seconds.toFixed(1).padStart(6)} s  exit ${result.code}  load ${result.load.toFixed(1)}${result.code === 0 ? "" : `  ${result.last}`}`);
  }
};
const started = Date.now();
await Promise.all(Array.from({ length: parallel }, worker));
for (const h of hogs) h.kill();

const failed = results.filter((r) => r.code !== 0);
const hangs = failed.filter((r) => /did not finish within/.test(r.last));
console.log(`\n${results.length} packs, ${parallel} at a time${hog ? ", beside a CPU hog" : ""}, on ${availableParallelism()} cores, in ${((Date.now() - started) / 60000).toFixed(1)} min`);
console.log(`failed: ${failed.length} (timeouts: ${hangs.length})`);
console.log("| app | packs | wall s median (min–max) | failed |");
console.log("|---|---:|---:|---:|");
for (const spec of SPECS) {
  const mine = results.filter((r) => r.name === spec.name);
  if (mine.length === 0) continue;
  const times = mine.map((r) => r.seconds);
  const spread = `${median(times).toFixed(1)} (${Math.min(...times).toFixed(1)}–${Math.max(...times).toFixed(1)})`;
  console.log(`| ${spec.name} | ${mine.length} | ${spread} | ${mine.filter((r) => r.code !== 0).length} |`);
}
for (const f of failed) console.log(`- ${f.name}: exit ${f.code}: ${f.last}`);
