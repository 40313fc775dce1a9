import { posix } from "node:path";

/** What the page imports: `import { loadBundle, runBundle } from "virtual:pyodide-packer"`. */
export const VIRTUAL_ID = "virtual:pyodide-packer";

/**
 * The module's source. base is a JavaScript expression for the build's public base URL
 * (a string literal, or webpack's __webpack_public_path__); moved maps the bundle's paths
 * to their hashed names under it. The loader is imported at run time from its own hashed
 * folder, not bundled: it imports Pyodide by URL, which no bundler should follow.
 */
export function virtualModule(base: string, moved: Record<string, string>): string {
  return `// pyodide-packer: the bundle's loader, at the names this build gave its files.
const files = ${JSON.stringify(moved, Object.keys(moved).sort(), 2)};
const baseURL = new URL(${base}, globalThis.document?.baseURI ?? globalThis.location.href);
let loader;
const load = () => (loader ??= import(/* webpackIgnore: true */ /* @vite-ignore */ new URL(files["loader.mjs"] ?? "loader.mjs", baseURL).href));
/** loader.mjs's loadBundle, for this build's files. */
export async function loadBundle(options = {}) {
  return (await load()).loadBundle({ baseURL, files, ...options });
}
/** loader.mjs's runBundle, for this build's files. */
export async function runBundle(options = {}, onText) {
  return (await load()).runBundle({ baseURL, files, ...options }, onText);
}
export { files, baseURL };
`;
}

/**
 * The interpreter a PyScript page's config names in a build: loader.mjs's loadPyodide and
 * version (runtime/page/loader.mjs), for this build's files. It sits in assetsDir beside
 * the hashed loader, so it finds both the loader and the build's base from its own URL,
 * whatever base the page is served under.
 */
export function interpreterModule(assetsDir: string, moved: Record<string, string>): string {
  const depth = assetsDir.split("/").filter((part) => part !== "" && part !== ".").length;
  const loader = posix.relative(assetsDir, moved["loader.mjs"] ?? "loader.mjs");
  return `// pyodide-packer: PyScript's interpreter, the bundle's loader at the names this build gave its files.
import { loadPyodide as loadBundled, version } from "./${loader}";
const files = ${JSON.stringify(moved, Object.keys(moved).sort(), 2)};
const baseURL = new URL(${JSON.stringify("../".repeat(depth) || "./")}, import.meta.url);
export { version };
/** loader.mjs's loadPyodide, for this build's files; a host's own options (window.pyodidePackerOptions) still apply. */
export function loadPyodide(options) {
  globalThis.pyodidePackerOptions = { baseURL, files, ...globalThis.pyodidePackerOptions };
  return loadBundled(options);
}
`;
}
