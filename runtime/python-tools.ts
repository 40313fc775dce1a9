import { readAsset } from "./assets.ts";
import { runInWorker } from "./node-host.ts";
import type { PyodideDist } from "./pyodide-dist.ts";

export type ToolJob = {
  op: "check" | "compile" | "strip" | "reads-doc" | "imports";
  path: string;
  data: Uint8Array;
  stripLines?: boolean;
  keepDocstrings?: boolean;
};
export type ToolResult = { ok: true; data?: Uint8Array } | { ok: false; error: string };

/**
 * compiler.py run by the runtime that will run the bundle (a Node worker with the
 * same pyodide.asm.wasm), so .pyc magic numbers and bytecode match it.
 */
export async function runPythonTools(dist: PyodideDist, jobs: ToolJob[]): Promise<ToolResult[]> {
  if (jobs.length === 0) return [];
  return runInWorker<ToolResult[]>(
    {
      mode: "tools",
      request: { indexURL: dist.dir + "/", lockInfo: dist.lockInfo, compilerSource: readAsset("compiler.py"), jobs },
    },
    600_000,
  );
}
