// @ts-check
// Boots a pyodide-packer bundle: Pyodide with the pruned stdlib, the bundle's files
// written into the Emscripten FS, and its dynamic libraries preloaded in the order the
// traced run loaded them. The trace session installs packages with this same code, so
// the traced run and the bundled run take the same path.
import { loadDynlib, onFatalError } from "./pyodide-adapter.mjs";

/**
 * @typedef {{ path: string, global: boolean }} Dynlib
 * @typedef {{ format: number, pyodideVersion: string, lockInfo: object, stdlib: string,
 *   bundle: string, main: string, runtime: string, dynlibs: Dynlib[] }} Manifest
 * @typedef {{ ok: boolean, exitCode: number, errorType?: string, error?: string }} RunOutcome
 */

/** Files this small are not worth a second request for a sidecar. */
const SIDECAR_MIN_BYTES = 16384;

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
 * fetched and decoded instead, so a server that compresses nothing still sends
 * compressed bytes.
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
      return new Uint8Array(await new Response(sidecar.body.pipeThrough(new DecompressionStream(format))).arrayBuffer());
    }
  }
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * Entries of a zip whose entries are stored (not compressed), as written by the packer.
 * @param {Uint8Array} bytes
 * @returns {{ name: string, data: Uint8Array }[]}
 */
export function readStoredZip(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = bytes.length - 22;
  while (eocd >= 0 && view.getUint32(eocd, true) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error("not a zip archive (no end of central directory)");
  const count = view.getUint16(eocd + 10, true);
  let at = view.getUint32(eocd + 16, true);
  const decoder = new TextDecoder();
  const entries = [];
  for (let i = 0; i < count; i++) {
    if (view.getUint32(at, true) !== 0x02014b50) throw new Error("corrupt zip central directory");
    const method = view.getUint16(at + 10, true);
    const size = view.getUint32(at + 20, true);
    const nameLength = view.getUint16(at + 28, true);
    const skip = nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true);
    const name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    if (method !== 0) throw new Error(`zip entry ${name} is compressed; expected a stored entry`);
    const dataStart = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    entries.push({ name, data: bytes.subarray(dataStart, dataStart + size) });
    at += 46 + skip;
  }
  return entries;
}

/**
 * Writes a stored zip whose entry names are absolute FS paths without the leading "/".
 * @param {any} pyodide
 * @param {Uint8Array} bytes
 * @returns {string[]} the FS paths written
 */
export function installArchive(pyodide, bytes) {
  const FS = pyodide.FS;
  const written = [];
  for (const { name, data } of readStoredZip(bytes)) {
    const path = "/" + name;
    if (name.endsWith("/")) {
      FS.mkdirTree(path);
      continue;
    }
    FS.mkdirTree(path.slice(0, path.lastIndexOf("/")) || "/");
    FS.writeFile(path, data);
    written.push(path);
  }
  return written;
}

/**
 * Sends everything the app writes to stdout and stderr, undecoded bytes included, to
 * onText.
 * @param {any} pyodide
 * @param {(stream: "stdout" | "stderr", text: string) => void} onText
 */
export function captureOutput(pyodide, onText) {
  for (const stream of /** @type {const} */ (["stdout", "stderr"])) {
    const decoder = new TextDecoder();
    const write = (/** @type {Uint8Array} */ buffer) => {
      onText(stream, decoder.decode(buffer, { stream: true }));
      return buffer.length;
    };
    if (stream === "stdout") pyodide.setStdout({ write });
    else pyodide.setStderr({ write });
  }
}

// SystemExit raised inside runPythonAsync escapes through Pyodide's event loop as an
// uncaught error, so the app runs through this fixed coroutine, which turns it into a
// status. The app's source is an argument, never part of this code.
const RUNNER = `
import pyodide.code

async def run(source, filename, namespace):
    try:
        await pyodide.code.eval_code_async(source, namespace, filename=filename)
    except SystemExit as exit:
        code = exit.code
        return 0 if code is None else code if isinstance(code, int) else 1
    return 0
`;

/**
 * Runs the app's main file in __main__ (top-level await allowed) and reports how it
 * ended instead of throwing.
 * @param {any} pyodide
 * @param {string} main absolute FS path of the app's main file
 * @returns {Promise<RunOutcome>}
 */
export async function runApp(pyodide, main) {
  const source = pyodide.FS.readFile(main, { encoding: "utf8" });
  const scope = pyodide.toPy({});
  /** @type {Promise<never>} */
  const fatal = new Promise((_, reject) => onFatalError(pyodide, (error) => reject(Object.assign(new Error(`Pyodide fatal error: ${describe(error)}`), { name: "PyodideFatalError" }))));
  try {
    pyodide.runPython(RUNNER, { globals: scope, filename: "<pyodide-packer runner>" });
    const exitCode = Number(await Promise.race([scope.get("run")(source, main, pyodide.globals), fatal]));
    if (exitCode === 0) return { ok: true, exitCode };
    return { ok: false, exitCode, errorType: "SystemExit", error: `SystemExit: ${exitCode}` };
  } catch (e) {
    const error = /** @type {any} */ (e);
    return { ok: false, exitCode: 1, errorType: String(error?.type ?? error?.name ?? "Error"), error: String(error?.message ?? error) };
  } finally {
    try {
      scope.destroy();
    } catch {
      // After a fatal error the interpreter refuses every call.
    }
  }
}

/** @param {unknown} error */
function describe(error) {
  const e = /** @type {any} */ (error);
  return String(e?.message ?? e).split("\n")[0];
}

/** @param {URL} url */
function toRuntimeLocation(url) {
  // Pyodide in Node takes paths, in browsers URLs.
  return url.protocol === "file:" ? decodeURIComponent(url.pathname) : url.href;
}

/**
 * Boots the bundle next to this file (or at options.baseURL).
 * @param {{ pyodide?: any, loadPyodide?: (options: object) => Promise<any>,
 *   indexURL?: string, baseURL?: string | URL, pyodideOptions?: object }} [options]
 * @returns {Promise<{ pyodide: any, manifest: Manifest }>}
 */
export async function loadBundle(options = {}) {
  const base = new URL(options.baseURL ?? ".", import.meta.url);
  const decoder = new TextDecoder();
  /** @type {Manifest} */
  const manifest = JSON.parse(decoder.decode(await readResource(new URL("manifest.json", base))));
  const bundle = readResource(new URL(manifest.bundle, base));
  bundle.catch(() => {}); // awaited below; a boot failure must not leave it unhandled
  let pyodide = options.pyodide;
  if (!pyodide) {
    const indexURL = new URL(options.indexURL ?? manifest.runtime, base);
    const loadPyodide = options.loadPyodide ?? (await import(new URL("pyodide.mjs", indexURL).href)).loadPyodide;
    pyodide = await loadPyodide({
      indexURL: toRuntimeLocation(indexURL),
      stdLibURL: toRuntimeLocation(new URL(manifest.stdlib, base)),
      lockFileContents: { info: manifest.lockInfo, packages: {} },
      ...options.pyodideOptions,
    });
  }
  installArchive(pyodide, await bundle);
  for (const lib of manifest.dynlibs) await loadDynlib(pyodide, lib.path, lib.global);
  return { pyodide, manifest };
}
