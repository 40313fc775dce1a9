// Builds the loader every bundle ships: runtime/page/loader.mjs and the modules it
// imports (page/loader/*.mjs, shared/*.mjs) as one minified module. One file instead of
// ten is fewer requests and one brotli stream, and without comments and long names it is
// 5.8 kB brotli instead of 14.2 kB. The package build (rollup.config.mjs) and the test
// setup (fixtures/global-setup.ts) run it; pack reads the result (runtime/host/assets.ts
// loaderBundle). Needs esbuild, a dev dependency: users get the built file in dist/.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { loaderPython } from "../worker/python-sources.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const LOADER_BUNDLE = join(ROOT, "dist", "assets", "loader.mjs");

export async function buildLoader() {
  mkdirSync(dirname(LOADER_BUNDLE), { recursive: true });
  await build({
    entryPoints: [join(ROOT, "runtime", "page", "loader.mjs")],
    outfile: LOADER_BUNDLE,
    bundle: true,
    format: "esm",
    minify: true,
    charset: "utf8",
    legalComments: "none",
    external: ["node:*"],
    logLevel: "warning",
    plugins: [inlinePython()],
  });
  // The Python the loader runs is in template strings, which minifying keeps as written:
  // its comment lines go too (a line of minified JS only ever starts inside one).
  const code = readFileSync(LOADER_BUNDLE, "utf8");
  writeFileSync(LOADER_BUNDLE, code.replace(/\n[ \t]*#[^\n]*(?=\n)/g, ""));
}

/**
 * Each pythonSource("NAME") of the loader's modules becomes runtime/page/python/NAME.py
 * as a template string, in place: the file's first line (what it is, a comment) becomes
 * the string's empty first line, so line numbers are the file's.
 * @returns {import("esbuild").Plugin}
 */
function inlinePython() {
  const python = loaderPython();
  const literal = (/** @type {string} */ text) => "`" + text.replace(/\\/g, "\\\\").replace(/`/g, "\\`").replace(/\$\{/g, "\\${") + "`";
  return {
    name: "pyodide-packer-inline-python",
    setup(build) {
      build.onLoad({ filter: /[\\/]runtime[\\/]page[\\/]loader[\\/][^\\/]+\.mjs$/ }, (args) => {
        const code = readFileSync(args.path, "utf8")
          .replace('import { pythonSource } from "./python.mjs";\n', "")
          .replace(/pythonSource\("(\w+)"\)/g, (_, name) => {
            const text = python[name];
            if (text === undefined) throw new Error(`${args.path}: no runtime/page/python/${name}.py`);
            return literal(text.slice(text.indexOf("\n")));
          });
        return { contents: code, loader: "js" };
      });
    },
  };
}
