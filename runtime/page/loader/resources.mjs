// @ts-check
// Reading the bundle's files: fetch (or the file system in Node), preferring the
// precompressed sidecars pack writes beside large files, and a synchronous read for the
// moment an import needs a file that is not there yet.

/**
 * Where the bundle's files are: at their paths under base, except those a map moved (a
 * bundler plugin's content-hashed names, "bundle.zip" to "assets/bundle.1f2e3d4c.zip",
 * relative to base). A key ending in "/" moves a folder and all it holds.
 * @param {URL} base
 * @param {Record<string, string>} [moved]
 * @returns {(path: string) => URL}
 */
export function bundleLocator(base, moved = {}) {
  const folders = Object.keys(moved).filter((path) => path.endsWith("/"));
  return (path) => {
    const to = moved[path];
    if (to !== undefined) return new URL(to, base);
    const folder = folders.find((f) => path.startsWith(f));
    return new URL(folder === undefined ? path : moved[folder] + path.slice(folder.length), base);
  };
}

/** Files this small are not worth a second request for a sidecar. */
export const SIDECAR_MIN_BYTES = 16384;

/** Sidecar encodings this runtime's DecompressionStream decodes, best first. */
function sidecarFormats() {
  /** @type {[CompressionFormat, string][]} */
  const formats = [];
  if (typeof DecompressionStream === "undefined") return formats;
  for (const [format, suffix] of /** @type {[CompressionFormat, string][]} */ ([["brotli", ".br"], ["gzip", ".gz"]])) {
    try {
      new DecompressionStream(format);
      formats.push([format, suffix]);
    } catch {
      // Not supported here.
    }
  }
  return formats;
}

/**
 * Reads a URL: the file system for file: URLs (Node), else fetch. When the server sends
 * a large file without Content-Encoding, the .br or .gz sidecar written beside it is
 * fetched and decoded instead (unless it comes with a Content-Encoding of its own), so a
 * server that compresses nothing still sends compressed bytes.
 * @param {URL} url
 * @returns {Promise<Uint8Array>}
 */
export async function readResource(url) {
  if (url.protocol === "file:") {
    const { readFile } = await import("node:fs/promises");
    return new Uint8Array(await readFile(url));
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url.href}: HTTP ${response.status}`);
  const size = Number(response.headers.get("content-length") ?? Infinity);
  if (!response.headers.get("content-encoding") && size >= SIDECAR_MIN_BYTES) {
    for (const [format, suffix] of sidecarFormats()) {
      const sidecar = await fetch(url.href + suffix).catch(() => undefined);
      if (!sidecar?.ok || !sidecar.body) continue;
      await response.body?.cancel();
      // A server that sends the sidecar as an encoding of itself (sirv, Vite's preview):
      // the browser has decoded it already.
      if (sidecar.headers.get("content-encoding")) return new Uint8Array(await sidecar.arrayBuffer());
      return new Uint8Array(await new Response(sidecar.body.pipeThrough(new DecompressionStream(format))).arrayBuffer());
    }
  }
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * Reads a URL synchronously, for the moment an import needs a file that is not there:
 * the file system in Node, else a synchronous XMLHttpRequest (binary through
 * x-user-defined on a page's main thread, where responseType cannot be set).
 * @param {URL} url
 * @param {typeof import("node:fs") | undefined} fs
 * @returns {Uint8Array}
 */
export function readResourceSync(url, fs) {
  if (url.protocol === "file:") {
    if (!fs) throw new Error(`cannot read ${url.href} synchronously here`);
    return new Uint8Array(fs.readFileSync(url));
  }
  const request = new XMLHttpRequest();
  request.open("GET", url.href, false);
  const mainThread = typeof document !== "undefined";
  if (mainThread) request.overrideMimeType("text/plain; charset=x-user-defined");
  else request.responseType = "arraybuffer";
  request.send();
  if (request.status !== 200) throw new Error(`${url.href}: HTTP ${request.status}`);
  if (!mainThread) return new Uint8Array(request.response);
  const text = request.responseText;
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
  return bytes;
}
