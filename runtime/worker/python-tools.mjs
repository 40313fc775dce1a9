// @ts-check
// Runs compiler.py over a batch of files inside the target Pyodide.

/**
 * @typedef {{ op: "check" | "compile" | "strip" | "reads-doc" | "imports" | "shake", path: string, data: Uint8Array,
 *   lines?: "full" | "lines" | "none", docstrings?: "keep" | "strip" | "empty", ran?: string }} ToolJob
 * @typedef {{ ok: true, data?: Uint8Array } | { ok: false, error: string }} ToolResult
 */

/**
 * @param {(options: object) => Promise<any>} loadPyodide
 * @param {{ indexURL: string, lockInfo: object, compilerSource: string, jobs: ToolJob[] }} request
 * @returns {Promise<ToolResult[]>}
 */
export async function runPythonTools(loadPyodide, request) {
  const pyodide = await loadPyodide({
    indexURL: request.indexURL,
    lockFileContents: { info: request.lockInfo, packages: {} },
  });
  const scope = pyodide.toPy({});
  pyodide.runPython(request.compilerSource, { globals: scope, filename: "<pyodide-packer compiler>" });
  const fns = {
    check: scope.get("check"),
    compile: scope.get("compile_pyc"),
    strip: scope.get("strip_pyc"),
    readsDoc: scope.get("reads_doc"),
    imports: scope.get("pyc_imports"),
    shake: scope.get("shake_pyc"),
  };
  const bytes = pyodide.runPython("bytes");
  return request.jobs.map((job) => {
    const data = bytes(job.data);
    try {
      if (job.op === "check") {
        const error = fns.check(data, job.path);
        return error === undefined ? { ok: true } : { ok: false, error: String(error) };
      }
      if (job.op === "reads-doc") return { ok: true, data: new Uint8Array([fns.readsDoc(data) ? 1 : 0]) };
      const lines = job.lines ?? "full";
      const out =
        job.op === "compile"
          ? fns.compile(data, job.path, lines)
          : job.op === "imports"
            ? fns.imports(data)
            : job.op === "shake"
              ? fns.shake(data, job.ran ?? "", lines)
              : fns.strip(data, lines, job.docstrings ?? "strip");
      const result = out.toJs();
      out.destroy();
      return { ok: true, data: result };
    } catch (e) {
      const message = String(/** @type {any} */ (e)?.message ?? e).trim().split("\n").pop() ?? "failed";
      return { ok: false, error: message };
    } finally {
      data.destroy();
    }
  });
}
