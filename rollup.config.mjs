// The published package's declarations, one file per entry point: tsc's per-file
// declarations (dist/.types/) rolled up so that users' TypeScript sees the public API
// only, not the internals it is built from (some of which name web-tree-sitter types,
// which need @types/emscripten). Also copies the tree-sitter-python grammar the package
// ships in place of that dependency, builds the loader bundles ship (runtime/host/build-loader.mjs)
// and makes the CLI's bin executable.
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
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
    dropAssetCopies();
    // tsc writes the bin anew without its run bit: `npx pack` in a built checkout needs it.
    chmodSync("dist/packer/cli/bin.js", 0o755);
  },
};

/**
 * tsc copies every .mjs of runtime/'s rooms that run as they are (page, trace, worker,
 * shared) into dist/, but the package ships those rooms themselves: the compiled code
 * imports the shipped files instead (one copy of each, the one pack serves and reads),
 * and the copies go.
 */
function dropAssetCopies() {
  /** @type {(dir: string) => string[]} */
  const files = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
  const rooms = ["page", "trace", "worker", "shared"].map((room) => join("dist", "runtime", room));
  const isCopy = (/** @type {string} */ f) => rooms.some((room) => f.startsWith(room + "/"));
  const all = files("dist").filter((f) => /\.m?js$/.test(f));
  for (const file of all.filter((f) => !isCopy(f))) {
    const code = readFileSync(file, "utf8");
    const pointed = code.replace(/((?:from|import)\s*\(?\s*")(\.{1,2}\/[^"]+)"/g, (whole, head, spec) => {
      const target = join(dirname(file), spec);
      if (!isCopy(target)) return whole;
      const source = relative("dist", target);
      return `${head}${relative(dirname(file), source)}"`;
    });
    if (pointed !== code) writeFileSync(file, pointed);
  }
  for (const room of rooms) rmSync(room, { recursive: true, force: true });
}

export default [
  { input: `${TYPES}/packer/index.d.ts`, output: { file: "dist/index.d.ts", format: "es" }, plugins: [dts()] },
  // The four plugins' declarations share their options' types in one chunk.
  {
    input: Object.fromEntries(["vite", "webpack", "rollup", "esbuild"].map((name) => [name, `${TYPES}/packer/plugins/${name}.d.ts`])),
    output: { dir: "dist", format: "es", entryFileNames: "[name].d.ts", chunkFileNames: "plugin-options.d.ts" },
    plugins: [dts()],
  },
  { input: `${TYPES}/runtime/page/loader.d.mts`, output: { file: "dist/loader.d.mts", format: "es" }, plugins: [dts(), finish] },
];
