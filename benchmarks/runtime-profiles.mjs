// One profile per app or one shared per runtime version? Packs each app (split on, not
// validated), takes which of the runtime's wasm functions its trace ran, and splits the
// runtime by that profile alone and by the union of every app's on the same runtime: the
// primary module's brotli kB either way, and what each app's trace ran beyond a bare
// start-up (the hello fixture's profile).
// Usage: npm run build && node benchmarks/runtime-profiles.mjs
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliCompressSync, constants } from "node:zlib";
import { pack } from "../dist/packer/index.js";
import { findDist } from "../dist/runtime/host/pyodide-dist.js";
import { readModule } from "../dist/transforms/wasm-binary.js";
import { splitModule } from "../dist/transforms/wasm-split.js";
import { ANCHOR_APPS, APPS_314, kB, REPO as repo } from "./apps.mjs";

const HELLO = join(repo, "fixtures", "apps", "hello", "app.py");
const APPS = [
  { name: "hello", app: HELLO, pyodide: "0.29.3", findLinks: [] },
  ...ANCHOR_APPS,
  { name: "hello (314)", app: HELLO, pyodide: "314", findLinks: [] },
  APPS_314.stdlib_only,
  APPS_314.plotly,
  APPS_314.docutils,
];
const brotli = (bytes) => brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_LGWIN]: 24 } }).length;

const cacheDir = mkdtempSync(join(tmpdir(), "bench-profiles-"));
const profiles = [];
for (const spec of APPS) {
  const out = mkdtempSync(join(tmpdir(), "bench-out-"));
  const { trace } = await pack({ app: spec.app, cwd: repo, pyodide: spec.pyodide, findLinks: spec.findLinks, out, cacheDir, validate: false });
  rmSync(out, { recursive: true, force: true });
  profiles.push({ ...spec, ran: new Set(trace.runtimeRan) });
  console.error(`traced ${spec.name}`);
}
rmSync(cacheDir, { recursive: true, force: true });

console.log("| app | Pyodide | functions its trace ran | beyond bare start-up | primary kB, its own profile | primary kB, all apps' profile |");
console.log("|---|---|---:|---:|---:|---:|");
for (const version of ["0.29.3", "314"]) {
  const mine = profiles.filter((p) => p.pyodide === version);
  const wasm = new Uint8Array(readFileSync(join(findDist(version, repo).dir, "pyodide.asm.wasm")));
  const count = readModule(wasm).functions.length;
  const asFlags = (set) => Uint8Array.from({ length: count }, (_, k) => (set.has(k) ? 1 : 0));
  const union = new Set(mine.flatMap((p) => [...p.ran]));
  const shared = brotli(splitModule(wasm, asFlags(union)).primary);
  const bare = mine[0].ran;
  for (const p of mine) {
    const own = brotli(splitModule(wasm, asFlags(p.ran)).primary);
    const beyond = [...p.ran].filter((k) => !bare.has(k)).length;
    console.log(`| ${p.name} | ${version} | ${p.ran.size} | ${beyond} | ${kB(own)} | ${kB(shared)} |`);
  }
}

