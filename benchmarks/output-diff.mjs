// Packs each anchor app with two built checkouts, alternating, and prints a Markdown
// table: brotli bytes before the first result (report total.brotli.out) on each side,
// the loader's brotli size, whether the report's figures are the same, and which output
// files differ byte for byte (reports aside). For a change that must leave bundles as they were, or that says what it costs.
// Usage: npm run build && node benchmarks/output-diff.mjs --before DIR [app-name ...]
//   DIR: another checkout of this repo, built (`git worktree add DIR REV && cd DIR &&
//   npm ci && npm run build`); the apps run with the same ../shared beside this one.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ANCHOR_APPS, REPO } from "./apps.mjs";
import { readTree } from "../dist/packer/output/bundle.js";

const args = process.argv.slice(2);
const at = args.indexOf("--before");
if (at < 0) throw new Error("usage: node benchmarks/output-diff.mjs --before DIR [app-name ...]");
const before = resolve(args[at + 1]);
const only = args.filter((a, i) => !a.startsWith("--") && i !== at + 1);
const sides = [
  ["before", before],
  ["after", REPO],
];

/** Output file names whose bytes differ between two output folders (either side's only files too). */
function differing(a, b) {
  const [left, right] = [readTree(a), readTree(b)];
  const names = new Set([...left.keys(), ...right.keys()]);
  return [...names].filter((n) => !/^report\.(json|html)/.test(n) && !Buffer.from(left.get(n) ?? []).equals(Buffer.from(right.get(n) ?? [0]))).sort();
}

/** The report's figures: its size rows, the runtime's, what each transform saved and stubbed. */
function figures(out) {
  const r = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
  return JSON.stringify([r.stdlib, r.packages, r.total, r.runtime, r.transforms.savings, r.transforms.stubbed, r.lazyAsyncio, r.fallback]);
}

console.log("| app | total.brotli.out before | after | loader.mjs.br before → after | report figures | output files that differ (reports aside) |");
console.log("|---|---:|---:|---|---|---|");
for (const spec of ANCHOR_APPS.filter((a) => only.length === 0 || only.includes(a.name))) {
  const outs = {};
  for (const [side, checkout] of sides) {
    const out = join(mkdtempSync(join(tmpdir(), `output-diff-${side}-`)), "out");
    const flags = spec.findLinks.flatMap((d) => ["--find-links", d]);
    execFileSync(process.execPath, [join(checkout, "dist/packer/cli/bin.js"), spec.app, ...flags, ...(spec.pyodide ? ["--pyodide", spec.pyodide] : []), "--out", out], { cwd: REPO, stdio: ["ignore", "ignore", "inherit"] });
    outs[side] = out;
  }
  const total = (out) => JSON.parse(readFileSync(join(out, "report.json"), "utf8")).total.brotli.out;
  const loader = (out) => (existsSync(join(out, "loader.mjs.br")) ? statSync(join(out, "loader.mjs.br")).size : 0);
  const diff = differing(outs.before, outs.after);
  console.log(
    `| ${spec.name} | ${total(outs.before).toLocaleString("en-US")} | ${total(outs.after).toLocaleString("en-US")} | ${loader(outs.before)} → ${loader(outs.after)} | ${figures(outs.before) === figures(outs.after) ? "same" : "differ"} | ${diff.length === 0 ? "none" : diff.join(", ")} |`,
  );
}
