// @ts-check
// Deferred function bodies. pack ships each function that did not run in the traced run
// as a stub (runtime/assets/compiler.py, shake_pyc) that calls __pyodide_packer_body__
// with its key (input, entry, index). The first such call of an input reads that
// input's bodies archive (synchronously: the call is waiting), and one walk over the
// heap then gives every function still holding one of its stubs the real code, so later
// calls run it directly. prefetchBodies reads the archives in the background instead
// (and walks then); a stub created after a walk, by a module imported since, walks again
// on its first call.
import { readResource, readResourceSync } from "./resources.mjs";
import { readStoredZip } from "./zip.mjs";

/**
 * input name → its bodies archive, relative to the bundle.
 * @typedef {Record<string, string>} BodiesManifest
 * @typedef {[string, string, number]} CodeKey co_filename, co_qualname, co_firstlineno
 * @typedef {{ loaded: string[], refused: CodeKey[], called: CodeKey[] }} BodiesUse loaded:
 *   the inputs whose bodies were read, in order; refused: stubs called while bodies were
 *   off; called: every code object that started (mode "record" only)
 * @typedef {boolean | "record"} BodiesMode false: read no body (a stub's call fails);
 *   "record": read bodies, keep every stub, and report every code object that starts
 */

/** Where an input's bodies are written in the Emscripten FS: one file per entry. */
const BODIES_DIR = "/lib/pyodide-packer-bodies";

const BODY_LOADER = `
import builtins
import gc
import marshal
import sys
import types

HELPER = "__pyodide_packer_body__"


def install(directory, fetch, enabled, report):
    codes = {}
    entries = {}
    loaded = set()

    def read_entry(input_name, entry):
        found = entries.get((input_name, entry))
        if found is None:
            with open(f"{directory}/{input_name}/{entry.lstrip('/')}", "rb") as file:
                found = entries[(input_name, entry)] = marshal.loads(file.read())
        return found

    def stub_key(code):
        for const in code.co_consts:
            if type(const) is tuple and len(const) == 3 and type(const[2]) is int:
                return const
        return None

    def swap(input_name):
        # One walk over the heap per input, not one per function.
        for obj in gc.get_objects():
            if type(obj) is types.FunctionType and HELPER in obj.__code__.co_names:
                key = stub_key(obj.__code__)
                if key is not None and key[0] == input_name:
                    code = codes.setdefault(key, read_entry(key[0], key[1])[key[2]])
                    # A stub whose flags were changed since (types.coroutine) stays one.
                    if obj.__code__.co_flags == code.co_flags:
                        obj.__code__ = code

    def arrived(input_name):
        loaded.add(input_name)
        swap(input_name)

    def body(key, cells):
        code = codes.get(key)
        caller = sys._getframe(1)
        stub = caller.f_code
        if code is None:
            input_name, entry, index = key
            if input_name not in loaded:
                if not enabled:
                    report("refused", stub.co_filename, stub.co_qualname, stub.co_firstlineno)
                    raise RuntimeError(
                        f"pyodide-packer: {stub.co_qualname} ({stub.co_filename}:{stub.co_firstlineno}) did not run "
                        "when pack traced the app, and this run loads no deferred bodies; re-pack with a --scenario "
                        "that calls it, or --keep-bodies for its module"
                    )
                fetch(input_name)
                loaded.add(input_name)
            if enabled != "record":
                # Also after a prefetch: stubs of modules imported since it get theirs.
                swap(input_name)
            code = codes.setdefault(key, read_entry(input_name, entry)[index])
        closure = None
        if cells is not None:
            by_name = dict(zip(cells.__code__.co_freevars, cells.__closure__))
            closure = tuple(by_name[name] for name in code.co_freevars)
        return types.FunctionType(code, caller.f_globals, code.co_name, None, closure)

    if enabled == "record":
        # As the trace's monitor.py does: every code object that starts, stubs, the
        # bodies they load and what those call alike.
        monitoring = sys.monitoring

        def started(code, offset):
            report("called", code.co_filename, code.co_qualname, code.co_firstlineno)
            return monitoring.DISABLE

        monitoring.use_tool_id(5, "pyodide-packer")
        monitoring.register_callback(5, monitoring.events.PY_START, started)
        monitoring.set_events(5, monitoring.events.PY_START)
    setattr(builtins, HELPER, body)
    return arrived
`;

/**
 * Writes an input's bodies archive into the FS, one file per entry.
 * @param {any} pyodide
 * @param {string} input
 * @param {Uint8Array} archive
 */
function writeBodies(pyodide, input, archive) {
  for (const { name, data } of readStoredZip(archive)) {
    const path = `${BODIES_DIR}/${input}/${name.replace(/^\/+/, "")}`;
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
  let arrived;
  const read = new Set();
  /** @param {string} input @param {Uint8Array} archive */
  const land = (input, archive) => {
    if (read.has(input)) return;
    read.add(input);
    writeBodies(pyodide, input, archive);
    use.loaded.push(input);
  };
  try {
    pyodide.runPython(BODY_LOADER, { globals: scope, filename: "<pyodide-packer bodies>" });
    const fetchSync = (/** @type {string} */ input) => {
      const archive = bodies[input];
      if (!archive) throw new Error(`pyodide-packer: the manifest names no bodies for ${input}`);
      land(input, readResourceSync(locate(archive), fs));
    };
    const seen = new Set();
    const report = (/** @type {"called" | "refused"} */ what, /** @type {string} */ file, /** @type {string} */ qualname, /** @type {number} */ line) => {
      const id = `${what}\0${file}\0${qualname}\0${line}`;
      if (seen.has(id)) return;
      seen.add(id);
      use[what].push([file, qualname, line]);
    };
    arrived = scope.get("install")(BODIES_DIR, fetchSync, mode, report);
  } finally {
    scope.destroy();
  }
  return async () => {
    for (const [input, archive] of Object.entries(bodies)) {
      if (read.has(input) || mode !== true) continue;
      const bytes = await readResource(locate(archive));
      if (read.has(input)) continue; // a stub's call read it meanwhile
      land(input, bytes);
      arrived(input);
    }
  };
}
