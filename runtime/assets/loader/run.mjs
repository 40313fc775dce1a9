// @ts-check
// Running the app's main file as Python's own command line would.
import { onFatalError } from "../pyodide-adapter.mjs";

/**
 * @typedef {{ ok: boolean, exitCode: number, errorType?: string, error?: string }} RunOutcome
 */

// SystemExit raised inside runPythonAsync escapes through Pyodide's event loop as an
// uncaught error, so the app runs through this fixed coroutine, which turns it into a
// status. The app's source is an argument, never part of this code; it arrives as bytes
// and is decoded as Python would (coding cookie, else UTF-8, which must be valid).
const RUNNER = `
import ast
import io
import sys
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
    # As \`python app.py\` sets them: the main file's path in __main__ and in sys.argv[0].
    namespace["__file__"] = filename
    namespace["__cached__"] = None
    if not sys.argv or not sys.argv[0]:
        sys.argv[:1] = [filename]
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
