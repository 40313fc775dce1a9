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
  });
  // The Python the loader runs is in template strings, which minifying keeps as written:
  // its comment lines go too (a line of minified JS only ever starts inside one).
  const code = readFileSync(LOADER_BUNDLE, "utf8");
  writeFileSync(LOADER_BUNDLE, code.replace(/\n[ \t]*#[^\n]*(?=\n)/g, ""));
}
