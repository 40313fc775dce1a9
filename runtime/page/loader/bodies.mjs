// @ts-check
// Deferred function bodies. pack ships each function that did not run in the traced run
// as a stub (runtime/worker/compiler.py, shake_pyc) whose body is
// `return __pyodide_packer_body__()()`. The helper knows the function by the stub's
// (co_filename, co_qualname, co_firstlineno) and takes its arguments from the stub's
// frame. The first call into a file reads that file's bodies (bodies/INPUT/KEY.zip,
// synchronously: the call is waiting); one walk over the heap finds every function
// still holding a stub, and those of the called file get their real code (one file
// unmarshalled), so later calls run it directly; a first call into another file gives
// that file's. prefetchBodies reads the archives in the background instead (and gives
// every file's then); a stub created after a walk, by a module imported since, walks
// again on its first call.
import { pythonSource } from "./python.mjs";
import { readResource, readResourceSync } from "./resources.mjs";
import { bodyRoot } from "../../shared/body-root.mjs";
import { nameKey } from "../../shared/name-key.mjs";
import { readStoredZip } from "../../shared/zip.mjs";

/**
 * input name → its bodies archive (relative to the bundle), the folder of its bodies by
 * file (byFile: one stored zip per nameKey of the files' names) and the roots
 * (bodyRoot) of the files it holds bodies for.
 * @typedef {Record<string, { archive: string, byFile?: string, roots: string[] }>} BodiesManifest
 * @typedef {[string, string, number]} CodeKey co_filename, co_qualname, co_firstlineno
 * @typedef {{ loaded: string[], files: string[], functions: number, refused: CodeKey[], called: CodeKey[] }} BodiesUse
 *   loaded: the inputs whose bodies were read whole (the prefetch), in order; files: the
 *   chunks of one file's bodies read at a stub's first call; functions: how many functions
 *   got their real code (at their first call, or by a walk after a read); refused: stubs
 *   called while bodies were off; called: every code object that started (mode "record" only)
 * @typedef {boolean | "record"} BodiesMode false: read no body (a stub's call fails);
 *   "record": read bodies, keep every stub, and report every code object that starts
 */

/** Where bodies are written in the Emscripten FS: one file per stubbed file, by its co_filename less a leading slash. */
const BODIES_DIR = "/lib/pyodide-packer-bodies";

const BODY_LOADER = pythonSource("bodies");

/**
 * Writes an input's bodies archive into the FS, one file per stubbed file.
 * @param {any} pyodide
 * @param {Uint8Array} archive
 */
function writeBodies(pyodide, archive) {
  for (const { name, data } of readStoredZip(archive)) {
    const path = `${BODIES_DIR}/${name}`;
    pyodide.FS.mkdirTree(path.slice(0, path.lastIndexOf("/")));
    pyodide.FS.writeFile(path, data);
  }
}

/**
 * Installs __pyodide_packer_body__. With mode false (what validation runs), a stub's
 * call fails naming its function instead of reading a body. Returns prefetch(): reads
 * every archive not read yet, in the background.
 * @param {any} pyodide
 * @param {BodiesManifest} bodies
 * @param {(path: string) => URL} locate where a bundle file is
 * @param {{ mode: BodiesMode, fs?: typeof import("node:fs"), use: BodiesUse }} options
 * @returns {() => Promise<void>}
 */
export function installBodies(pyodide, bodies, locate, { mode, fs, use }) {
  const scope = pyodide.toPy({});
  /** @type {any} */
  let swap;
  const read = new Set();
  /** @param {string} input @param {Uint8Array} archive */
  const land = (input, archive) => {
    if (read.has(input)) return;
    read.add(input);
    writeBodies(pyodide, archive);
    use.loaded.push(input);
  };
  try {
    pyodide.runPython(BODY_LOADER, { globals: scope, filename: "<pyodide-packer bodies>" });
    /** The chunks of bodies by file read so far. */
    const chunks = new Set();
    const fetchSync = (/** @type {string} */ filename) => {
      const root = bodyRoot(filename);
      const inputs = Object.entries(bodies).filter(([, { roots }]) => roots.includes(root));
      if (inputs.length === 0) throw new Error(`pyodide-packer: the manifest names no bodies for ${filename}`);
      for (const [input, { archive, byFile }] of inputs) {
        if (read.has(input)) continue;
        if (!byFile) {
          land(input, readResourceSync(locate(archive), fs));
          continue;
        }
        // The called file's own bodies; the input's others come with the prefetch.
        const chunk = `${byFile}${nameKey(filename)}.zip`;
        if (chunks.has(chunk)) continue;
        let bytes;
        try {
          bytes = readResourceSync(locate(chunk), fs);
        } catch {
          continue; // another input with the same root holds it
        }
        chunks.add(chunk);
        writeBodies(pyodide, bytes);
        use.files.push(chunk);
      }
    };
    const seen = new Set();
    const report = (/** @type {"called" | "refused"} */ what, /** @type {string} */ file, /** @type {string} */ qualname, /** @type {number} */ line) => {
      const id = `${what}\0${file}\0${qualname}\0${line}`;
      if (seen.has(id)) return;
      seen.add(id);
      use[what].push([file, qualname, line]);
    };
    const tally = (/** @type {number} */ n) => void (use.functions = n);
    swap = scope.get("install")(BODIES_DIR, fetchSync, mode, report, tally);
  } finally {
    scope.destroy();
  }
  return async () => {
    for (const [input, { archive }] of Object.entries(bodies)) {
      if (read.has(input) || mode !== true) continue;
      const bytes = await readResource(locate(archive));
      if (read.has(input)) continue; // a stub's call read it meanwhile
      land(input, bytes);
      swap();
    }
  };
}
