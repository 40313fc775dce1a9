// Packs the anchor apps, the 314 apps and a page app over and over, K at a time and
// optionally beside a CPU hog, to find a pack that hangs: each pack's wall time and
// outcome (exit code, last stderr line, whether a crashed page was run once more), then
// a summary. Not in the test suite.
// Usage: npm run build && node benchmarks/soak.mjs [--packs N] [--parallel K] [--hog] [--timeout S]
//   [--cold-every M]   every Mth pack gets an empty cache (a CI runner's first pack)
//   [--extra-314 APP.py]...  more apps, on 314 with the pure wheels (e.g. one that runs
//                      traitlets' own examples, where the first unexplained stall was seen)
// A pack still running after --guard S (default 3 × --timeout: a cold pack under load
// takes minutes) is killed and counted as a hang, with the last stage it printed: the kind
// pack's own timer cannot report (its output written, its process never exiting).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { ANCHOR_APPS, APPS_314, REPO, WHEELS_PURE, median } from "./apps.mjs";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const packs = option("--packs", 50);
const parallel = option("--parallel", 1);
const timeout = option("--timeout", 120);
const hog = args.includes("--hog");
const coldEvery = option("--cold-every", 0);
const guardSeconds = option("--guard", 3 * timeout);
const extra = args.flatMap((a, i) => (a === "--extra-314" ? [args[i + 1]] : []));

const SPECS = [
  ...[...ANCHOR_APPS, APPS_314.stdlib_only, APPS_314.plotly, APPS_314.docutils].map((a) => ({
    name: a.name,
    args: [a.app, "--pyodide", a.pyodide, ...a.findLinks.flatMap((d) => ["--find-links", d])],
  })),
  {
    name: "click (page scenario)",
    args: [join(REPO, "fixtures/apps/click/app.py"), "--scenario", join(REPO, "fixtures/apps/click/click.mjs")],
  },
  ...extra.map((app) => ({ name: `${basename(dirname(app))} (314)`, args: [app, "--pyodide", "314", "--find-links", WHEELS_PURE] })),
];

/** One pack in its own process: wall seconds, exit code, its last stderr line. */
const running = new Set(); // the packs' process groups, killed with the soak

function packOnce(spec, cold) {
  const out = mkdtempSync(join(tmpdir(), "soak-"));
  const cache = cold ? ["--cache-dir", join(out, "cache")] : [];
  const started = performance.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(REPO, "dist/packer/cli/bin.js"), ...spec.args, "--out", join(out, "dist"), ...cache, "--timeout", String(timeout)], { cwd: REPO, detached: true });
    running.add(child.pid);
    let stderr = "";
    let killed = false;
    const guard = setTimeout(() => {
      killed = true;
      process.kill(-child.pid, "SIGKILL");
    }, guardSeconds * 1000);
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.stdout.resume();
    child.on("close", (code) => {
      running.delete(child.pid);
      clearTimeout(guard);
      rmSync(out, { recursive: true, force: true });
      const lines = stderr.trim().split("\n");
      const isStage = (l) => /^pack: \w+…$/.test(l);
      const stage = lines.filter(isStage).pop() ?? "before its first stage";
      const last = killed ? `killed ${guardSeconds} s in, still running; last stage: ${stage}` : (lines.filter((l) => !isStage(l)).pop() ?? "");
      // pack's one warning when a page crashed and it ran that step once more (host.ts)
      const crashed = lines.filter((l) => /^pack: warning: .*crashed/.test(l));
      done({ name: spec.name, cold, seconds: (performance.now() - started) / 1000, code: killed ? "hung" : code, last, crashed, load: loadavg()[0] });
    });
  });
}

/** A busy loop in a child process, one core's worth, until killed. */
function startHog() {
  return spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" });
}

const hogs = hog ? [startHog()] : [];
// Stopped early (^C, kill): the hog and the packs in flight go too, not on as orphans.
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    for (const h of hogs) h.kill("SIGKILL");
    for (const pid of running) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    process.exit(130);
  });
}
const results = [];
let next = 0;
const worker = async () => {
  while (next < packs) {
    const at = next++;
    const spec = SPECS[at % SPECS.length];
    const result = await packOnce(spec, coldEvery > 0 && at % coldEvery === coldEvery - 1);
    results.push(result);
    console.log(`${String(results.length).padStart(4)} ${(result.name + (result.cold ? " (cold)" : "")).padEnd(29)} ${result.seconds.toFixed(1).padStart(6)} s  exit ${result.code}  load ${result.load.toFixed(1)}${result.code === 0 ? "" : `  ${result.last}`}${result.crashed.length > 0 ? `  ${result.crashed.join("; ")}` : ""}`);
  }
};
const started = Date.now();
await Promise.all(Array.from({ length: parallel }, worker));
for (const h of hogs) h.kill();

const failed = results.filter((r) => r.code !== 0);
const hangs = failed.filter((r) => r.code === "hung" || /did not finish within/.test(r.last));
console.log(`\n${results.length} packs (${results.filter((r) => r.cold).length} cold), ${parallel} at a time${hog ? ", beside a CPU hog" : ""}, on ${availableParallelism()} cores, in ${((Date.now() - started) / 60000).toFixed(1)} min`);
console.log(`failed: ${failed.length} (timeouts or hangs: ${hangs.length}); a crashed page run once more: ${results.filter((r) => r.crashed.length > 0).length}`);
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
for (const r of results.filter((r) => r.crashed.length > 0)) console.log(`- ${r.name}: ${r.crashed.join("; ")}`);
