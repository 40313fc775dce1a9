import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readAsset } from "../../runtime/host/assets.ts";
import { SIDECAR_MIN_BYTES } from "../../runtime/page/loader/resources.mjs";
import { ASYNCIO_START, DEFERRED_WASM, isBodiesByFile, RUNTIME_DATA_DIR, shortHash } from "./bundle.ts";

export const SERVICE_WORKER = "sw.js";

/**
 * Writes sw.js into the output and registers it from index.html (runtime/page/
 * service-worker.js says what it caches). served: the files a page downloads; later
 * ones are what a page reads after the first result (deferred bodies, what starting
 * asyncio imports, the runtime's deferred module and data); rest, fetched only on need. Its cache is named by the
 * hash of what it caches first and later, so that a new bundle replaces it. Returns the
 * worker's name, a file the page downloads too.
 */
export function addServiceWorker(dir: string, served: readonly string[], rest: Iterable<string>): string {
  const index = join(dir, "index.html");
  const html = readFileSync(index, "utf8");
  const register = `<script>navigator.serviceWorker?.register("${SERVICE_WORKER}");</script>\n`;
  const at = html.lastIndexOf("</html>");
  writeFileSync(index, at === -1 ? html + register : html.slice(0, at) + register + html.slice(at));
  writeServiceWorker(dir, served, rest);
  return SERVICE_WORKER;
}

/**
 * Writes sw.js alone, over the files as they are now: addServiceWorker's, and again when
 * validation has split the runtime's wasm (packer/pipeline/build.ts).
 */
export function writeServiceWorker(dir: string, served: readonly string[], rest: Iterable<string>): void {
  const isLater = (f: string) => f.startsWith("bodies/") || f === ASYNCIO_START || f.endsWith(DEFERRED_WASM) || f.startsWith(RUNTIME_DATA_DIR);
  // One file's bodies come again in its input's archive, which the worker caches later.
  const byFile = served.filter(isBodiesByFile);
  served = served.filter((f) => !isBodiesByFile(f));
  rest = [...rest, ...byFile];
  const later = served.filter(isLater).sort();
  const first = ["", ...served.filter((f) => !isLater(f))].sort();
  const cached = [...first.filter(Boolean), ...later];
  const bundle = {
    cache: `pyodide-packer-${shortHash(...cached.flatMap((f) => [f, readFileSync(join(dir, f))]))}`,
    first,
    later,
    rest: [...rest].sort(),
    sidecars: cached.filter((f) => statSync(join(dir, f)).size >= SIDECAR_MIN_BYTES),
  };
  writeFileSync(join(dir, SERVICE_WORKER), `self.pyodidePackerBundle = ${JSON.stringify(bundle, null, 1)};\n${readAsset("page/service-worker.js")}`);
}
