// The published package's declarations, one file per entry point: tsc's per-file
// declarations (dist/.types/) rolled up so that users' TypeScript sees the public API
// only, not the internals it is built from (some of which name web-tree-sitter types,
// which need @types/emscripten). Also copies the tree-sitter-python grammar the package
// ships in place of that dependency, builds the loader bundles ship (runtime/host/build-loader.mjs)
// and makes the CLI's bin executable.
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { dts } from "rollup-plugin-dts";
import { buildLoader } from "./runtime/host/build-loader.mjs";

const require = createRequire(import.meta.url);
const TYPES = "dist/.types";

/** After the last entry: the loader built, the grammar into dist/grammars/, the per-file declarations gone. */
const finish = {
  name: "pyodide-packer-finish",
  async closeBundle() {
    await buildLoader();
    mkdirSync("dist/grammars", { recursive: true });
    copyFileSync(require.resolve("tree-sitter-python/tree-sitter-python.wasm"), "dist/grammars/tree-sitter-python.wasm");
    copyFileSync(require.resolve("tree-sitter-python/LICENSE"), "dist/grammars/tree-sitter-python.LICENSE");
    rmSync(TYPES, { recursive: true, force: true });
    dropUnimportedAssets();
    // tsc writes the bin anew without its run bit: `npx pack` in a built checkout needs it.
    chmodSync("dist/packer/cli/bin.js", 0o755);
  },
};

/**
 * tsc copies every .mjs of runtime/'s rooms that run as they are into dist/, but the
 * package ships those rooms themselves and the compiled code imports only a few of
 * them: the copies nothing imports go.
 */
function dropUnimportedAssets() {
  /** @type {(dir: string) => string[]} */
  const files = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
  const all = files("dist").filter((f) => /\.m?js$/.test(f));
  const rooms = ["page", "trace", "worker", "shared"].map((room) => join("dist", "runtime", room));
  const copies = new Set(all.filter((f) => rooms.some((room) => f.startsWith(room + "/"))));
  const reached = new Set();
  /** @param {string} file */
  const visit = (file) => {
    if (reached.has(file)) return;
    reached.add(file);
    for (const [, spec] of readFileSync(file, "utf8").matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)) visit(join(dirname(file), String(spec)));
  };
  for (const file of all) if (!copies.has(file)) visit(file);
  for (const copy of copies) if (!reached.has(copy)) rmSync(copy);
}

export default [
  { input: `${TYPES}/packer/index.d.ts`, output: { file: "dist/index.d.ts", format: "es" }, plugins: [dts()] },
  ...["vite", "webpack", "rollup", "esbuild"].map((name) => ({
    input: `${TYPES}/packer/plugins/${name}.d.ts`,
    output: { file: `dist/${name}.d.ts`, format: "es" },
    plugins: [dts()],
  })),
  { input: `${TYPES}/runtime/page/loader.d.mts`, output: { file: "dist/loader.d.mts", format: "es" }, plugins: [dts(), finish] },
];
