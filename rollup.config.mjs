// The published package's declarations, one file per entry point: tsc's per-file
// declarations (dist/.types/) rolled up so that users' TypeScript sees the public API
// only, not the internals it is built from (some of which name web-tree-sitter types,
// which need @types/emscripten). Also copies the tree-sitter-python grammar the package
// ships in place of that dependency.
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dts } from "rollup-plugin-dts";

const require = createRequire(import.meta.url);
const TYPES = "dist/.types";

/** After the last entry: the grammar into dist/grammars/, the per-file declarations gone. */
const finish = {
  name: "pyodide-packer-finish",
  closeBundle() {
    mkdirSync("dist/grammars", { recursive: true });
    copyFileSync(require.resolve("tree-sitter-python/tree-sitter-python.wasm"), "dist/grammars/tree-sitter-python.wasm");
    copyFileSync(require.resolve("tree-sitter-python/LICENSE"), "dist/grammars/tree-sitter-python.LICENSE");
    rmSync(TYPES, { recursive: true, force: true });
  },
};

export default [
  { input: `${TYPES}/packer/index.d.ts`, output: { file: "dist/index.d.ts", format: "es" }, plugins: [dts()] },
  { input: `${TYPES}/runtime/assets/loader.d.mts`, output: { file: "dist/loader.d.mts", format: "es" }, plugins: [dts(), finish] },
];
