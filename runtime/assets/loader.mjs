// @ts-check
// Boots a pyodide-packer bundle: Pyodide with the pruned stdlib, the bundle's files
// written into the Emscripten FS, and its dynamic libraries preloaded in the order the
// traced run loaded them. The trace session installs packages with this same code, so
// the traced run and the bundled run take the same path.
import { loadDynlib, onFatalError, onMissingFile } from "./pyodide-adapter.mjs";

/**
 * @typedef {{ path: string, global: boolean }} Dynlib
 * @typedef {{ bits: number, k: number, data: string }} Bloom
 * @typedef {{ mode: "local" | "cdn" | "off", index: string, modules: Bloom, files: Bloom }} FallbackManifest
 * @typedef {{ format: number, pyodideVersion: string, lockInfo: object, stdlib: string,
 *   bundle: string, main: string, runtime: string, dynlibs: Dynlib[],
 *   fallback?: FallbackManifest }} Manifest
 * @typedef {{ name: string, kind: "stdlib" | "published", archive: string | null,
 *   mount?: string, extractDir?: string, data?: string | null }} FallbackInput
 * @typedef {{ mode: string, inputs: FallbackInput[], modules: Record<string, number>,
 *   files: Record<string, number> }} FallbackIndex
 * @typedef {{ wanted: string, archive: string, warning: string }} FallbackUse
 * @typedef {{ runtime: number, bundle: number, dynlibs: number }} LoadTimings
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
 * @typedef {{ name: string, method: number, crc: number, compressed: number, size: number,
 *   symlink: boolean, local: number }} ZipEntry
 */

/**
 * The central directory of a zip, read without inflating anything. Throws on a zip
 * without one or with a damaged one. Shared with the packer, which vets wheels with it.
 * @param {Uint8Array} bytes
 * @returns {ZipEntry[]}
 */
export function zipDirectory(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = bytes.length - 22;
  while (eocd >= 0 && view.getUint32(eocd, true) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error("no end of central directory; truncated?");
  const count = view.getUint16(eocd + 10, true);
  let at = view.getUint32(eocd + 16, true);
  const decoder = new TextDecoder();
  const entries = [];
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== 0x02014b50) throw new Error("damaged central directory");
    const nameLength = view.getUint16(at + 28, true);
    const external = view.getUint32(at + 38, true);
    entries.push({
      name: decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength)),
      method: view.getUint16(at + 10, true),
      crc: view.getUint32(at + 16, true),
      compressed: view.getUint32(at + 20, true),
      size: view.getUint32(at + 24, true),
      // Unix mode in the high 16 bits of the external attributes (made on Unix: byte 5 = 3).
      symlink: bytes[at + 5] === 3 && ((external >>> 16) & 0o170000) === 0o120000,
      local: view.getUint32(at + 42, true),
    });
    at += 46 + nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
  }
  return entries;
}

/**
 * Entries of a zip whose entries are stored (not compressed), as written by the packer.
 * @param {Uint8Array} bytes
 * @returns {{ name: string, data: Uint8Array }[]}
 */
export function readStoredZip(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return zipDirectory(bytes).map(({ name, method, size, local }) => {
    if (method !== 0) throw new Error(`zip entry ${name} is compressed; expected a stored entry`);
    const dataStart = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    return { name, data: bytes.subarray(dataStart, dataStart + size) };
  });
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
// status. The app's source is an argument, never part of this code; it arrives as bytes
// and is decoded as Python would (coding cookie, else UTF-8, which must be valid).
const RUNNER = `
import ast
import io
import tokenize

import pyodide.code


def decode(data, filename):
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        # Parsed only when it cannot be decoded: for the error Python itself would give.
        compile(data, filename, "exec", flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        raise


async def run(data, filename, namespace):
    source = decode(data.to_bytes(), filename)
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
  const source = pyodide.FS.readFile(main);
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

/**
 * Reads a URL synchronously, for the moment an import needs a file that is not there:
 * the file system in Node, else a synchronous XMLHttpRequest (binary through
 * x-user-defined on a page's main thread, where responseType cannot be set).
 * @param {URL} url
 * @param {typeof import("node:fs") | undefined} fs
 * @returns {Uint8Array}
 */
function readResourceSync(url, fs) {
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

const UTF8 = new TextEncoder();

/**
 * The k bit positions of text in a Bloom filter of the given size: FNV-1a over its
 * UTF-8 bytes, with a second hash for double hashing.
 * @param {string} text
 * @param {number} bits
 * @param {number} k
 */
function bloomPositions(text, bits, k) {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (const byte of UTF8.encode(text)) {
    h1 = Math.imul(h1 ^ byte, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ byte, 0x5bd1e995) >>> 0;
  }
  h2 |= 1;
  return Array.from({ length: k }, (_, i) => ((h1 + Math.imul(i, h2)) >>> 0) % bits);
}

/**
 * A Bloom filter of items (about 0.1% false positives), as the manifest carries the names
 * pack pruned: a miss that is not pack's doing costs no request.
 * @param {Iterable<string>} items
 * @returns {Bloom}
 */
export function makeBloom(items) {
  const list = [...items];
  const bits = Math.max(64, Math.ceil((list.length * 14.4) / 8) * 8);
  const k = 10;
  const data = new Uint8Array(bits / 8);
  for (const item of list) for (const p of bloomPositions(item, bits, k)) data[p >> 3] = (data[p >> 3] ?? 0) | (1 << (p & 7));
  let binary = "";
  for (const byte of data) binary += String.fromCharCode(byte);
  return { bits, k, data: btoa(binary) };
}

/**
 * @param {Bloom} filter
 * @returns {(item: string) => boolean} false: certainly not in the set
 */
export function bloomTest(filter) {
  const binary = atob(filter.data);
  return (item) => bloomPositions(item, filter.bits, filter.k).every((p) => (binary.charCodeAt(p >> 3) >> (p & 7)) & 1);
}

// Last on sys.meta_path: asked only when every other finder failed. lookup(name) says
// whether pack pruned the module; fetch(name) puts its input back (False when the
// bundle keeps no fallback).
const PRUNED_FINDER = `
import importlib
import importlib.machinery
import sys


class PrunedModuleFinder:
    def __init__(self, lookup, fetch):
        self.lookup = lookup
        self.fetch = fetch

    def find_spec(self, fullname, path=None, target=None):
        if not self.lookup(fullname):
            return None
        if not self.fetch(fullname):
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: pyodide-packer pruned it because the traced run "
                f"did not import it; re-pack with a --scenario that imports it or --include {fullname}",
                name=fullname,
            )
        importlib.invalidate_caches()
        return importlib.machinery.PathFinder.find_spec(fullname, path, target)


def install(lookup, fetch):
    sys.meta_path.append(PrunedModuleFinder(lookup, fetch))
`;

/**
 * Puts back, on first need, what pack pruned: an import that no finder satisfies, or an
 * open/stat of a missing package file, that the manifest's Bloom filters say pack may
 * have pruned, consults fallback/index.json (fetched then) and installs the input that
 * held it, logging one warning. With the fallback off (or a
 * bundle that keeps none), importing a pruned module fails with an error naming the fix.
 * @param {any} pyodide
 * @param {FallbackManifest} fallback
 * @param {URL} base
 * @param {{ enabled: boolean, fs?: typeof import("node:fs"), uses: FallbackUse[] }} options
 */
function installFallback(pyodide, fallback, base, { enabled, fs, uses }) {
  /** @type {FallbackIndex | undefined} */
  let index;
  const readIndex = () => (index ??= JSON.parse(new TextDecoder().decode(readResourceSync(new URL(fallback.index, base), fs))));
  const installed = new Set();
  const mayBeModule = bloomTest(fallback.modules);
  const mayBeFile = bloomTest(fallback.files);
  /**
   * Installs input i's archive (for a module) or its data zip (for a file an open or
   * stat missed: unpacked here, without calling into Python), once; false when the
   * bundle keeps nothing to put back.
   * @param {number} i
   * @param {string} wanted
   * @param {"archive" | "data"} which
   */
  const fetchInput = (i, wanted, which) => {
    const input = /** @type {FallbackInput} */ (readIndex().inputs[i]);
    const archive = input[which];
    if (!enabled || !archive) return false;
    if (installed.has(archive)) return true;
    // Marked first: an install that stats or opens a file not there yet comes back here
    // and must not start the same install again.
    installed.add(archive);
    let bytes;
    try {
      bytes = readResourceSync(new URL(archive, base), fs);
    } catch (error) {
      throw new Error(`pyodide-packer: ${wanted} was pruned from this bundle and its fallback ${archive} could not be read (${error}); deploy the fallback/ folder with the bundle`);
    }
    if (input.kind === "stdlib") pyodide.FS.writeFile(input.mount, bytes);
    else if (which === "data") installArchive(pyodide, bytes);
    else pyodide.unpackArchive(bytes, archive.endsWith(".whl") ? "wheel" : "zip", { extractDir: input.extractDir });
    const warning = `pyodide-packer: ${wanted} was pruned from this bundle and loaded from ${archive}; re-pack with a --scenario that uses it or --include ${wanted}`;
    uses.push({ wanted, archive, warning });
    console.warn(warning);
    return true;
  };
  const scope = pyodide.toPy({});
  try {
    pyodide.runPython(PRUNED_FINDER, { globals: scope, filename: "<pyodide-packer fallback>" });
    scope.get("install")(
      (/** @type {string} */ name) => mayBeModule(name) && name in readIndex().modules,
      (/** @type {string} */ name) => fetchInput(/** @type {number} */ (readIndex().modules[name]), name, "archive"),
    );
  } finally {
    scope.destroy();
  }
  if (!enabled) return;
  onMissingFile(pyodide, (path) => {
    // CPython looks for a cached .pyc of every source module it imports: never pack's.
    if (path.includes("/__pycache__/") || !mayBeFile(path)) return false;
    const i = readIndex().files[path];
    return i !== undefined && fetchInput(i, path, "data") && pyodide.FS.analyzePath(path).exists;
  });
}

/** @param {URL} url */
function toRuntimeLocation(url) {
  // Pyodide in Node takes paths, in browsers URLs.
  return url.protocol === "file:" ? decodeURIComponent(url.pathname) : url.href;
}

/**
 * Boots the bundle next to this file (or at options.baseURL). fallbacks lists what the
 * fallback had to put back, as it happens; timings, milliseconds per phase: runtime
 * (Pyodide and the pruned stdlib), bundle (the rest of its fetch, and unpacking),
 * dynlibs (preloading the .so files).
 * @param {{ pyodide?: any, loadPyodide?: (options: object) => Promise<any>,
 *   indexURL?: string, baseURL?: string | URL, pyodideOptions?: object, fallback?: boolean }} [options]
 * @returns {Promise<{ pyodide: any, manifest: Manifest, fallbacks: FallbackUse[], timings: LoadTimings }>}
 */
export async function loadBundle(options = {}) {
  const base = new URL(options.baseURL ?? ".", import.meta.url);
  const decoder = new TextDecoder();
  /** @type {LoadTimings} */
  const timings = { runtime: 0, bundle: 0, dynlibs: 0 };
  let lapStart = performance.now();
  const lap = (/** @type {keyof LoadTimings} */ phase) => {
    const now = performance.now();
    timings[phase] = Math.round(now - lapStart);
    lapStart = now;
  };
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
  lap("runtime");
  installArchive(pyodide, await bundle);
  lap("bundle");
  for (const lib of manifest.dynlibs) await loadDynlib(pyodide, lib.path, lib.global);
  lap("dynlibs");
  /** @type {FallbackUse[]} */
  const fallbacks = [];
  if (manifest.fallback) {
    const fs = base.protocol === "file:" ? await import("node:fs") : undefined;
    const enabled = options.fallback !== false && manifest.fallback.mode !== "off";
    installFallback(pyodide, manifest.fallback, base, { enabled, fs, uses: fallbacks });
  }
  return { pyodide, manifest, fallbacks, timings };
}

/**
 * @typedef {{ stdout: string, stderr: string, outcome: RunOutcome,
 *   timings: Partial<LoadTimings> & { load?: number, run?: number, total?: number },
 *   fallbacks: FallbackUse[] }} BundleRun
 */

/**
 * Boots the bundle and runs its app once, as index.html does on the page's main thread
 * and worker.mjs in a Web Worker; onText gets the app's output as it comes.
 * @param {{ fallback?: boolean }} options
 * @param {(stream: "stdout" | "stderr", text: string) => void} [onText]
 * @returns {Promise<BundleRun>}
 */
export async function runBundle(options = {}, onText = () => {}) {
  /** @type {BundleRun} */
  const result = { stdout: "", stderr: "", outcome: { ok: false, exitCode: 1 }, timings: {}, fallbacks: [] };
  const since = (/** @type {number} */ start) => Math.round(performance.now() - start);
  try {
    let start = performance.now();
    const { pyodide, manifest, fallbacks, timings } = await loadBundle({ fallback: options.fallback });
    result.fallbacks = fallbacks;
    result.timings = { ...timings, load: since(start) };
    captureOutput(pyodide, (stream, text) => {
      result[stream] += text;
      onText(stream, text);
    });
    start = performance.now();
    result.outcome = await runApp(pyodide, manifest.main);
    result.timings.run = since(start);
  } catch (error) {
    const e = /** @type {any} */ (error);
    result.outcome = { ok: false, exitCode: 1, errorType: "LoaderError", error: String(e?.stack ?? e) };
  }
  return result;
}
