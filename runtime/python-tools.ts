import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sha256 } from "../analyzers/fetch-cache.ts";
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

/** A result depends on compiler.py, the runtime, the operation, its flags, the file name compiled in, and the bytes. */
function jobKey(compiler: string, dist: PyodideDist, job: ToolJob): string {
  const head = JSON.stringify([compiler, dist.version, job.op, job.op === "compile" ? job.path : "", job.stripLines ?? false, job.keepDocstrings ?? false]);
  return sha256(new Uint8Array([...new TextEncoder().encode(head), 0, ...job.data]));
}

function readCached(dir: string, key: string): ToolResult | undefined {
  const file = join(dir, key);
  if (!existsSync(file)) return undefined;
  const raw = new Uint8Array(readFileSync(file));
  const body = raw.subarray(1);
  return raw[0] === 1 ? { ok: true, data: body } : raw[0] === 2 ? { ok: true } : { ok: false, error: new TextDecoder().decode(body) };
}

function writeCached(dir: string, key: string, result: ToolResult): void {
  const body = result.ok ? (result.data ?? new Uint8Array()) : new TextEncoder().encode(result.error);
  const tag = result.ok ? (result.data ? 1 : 2) : 3;
  try {
    writeFileSync(join(dir, key), new Uint8Array([tag, ...body]));
  } catch {
    // Only costs time next run.
  }
}

/**
 * compiler.py run by the runtime that will run the bundle (a Node worker with the
 * same pyodide.asm.wasm), so .pyc magic numbers and bytecode match it. Results are
 * kept in cacheDir by content: a repeated pack boots no runtime for them.
 */
export async function runPythonTools(dist: PyodideDist, jobs: ToolJob[], cacheDir?: string): Promise<ToolResult[]> {
  const dir = cacheDir && join(cacheDir, "tools");
  if (dir) mkdirSync(dir, { recursive: true });
  const compilerSource = readAsset("compiler.py");
  const compiler = sha256(new TextEncoder().encode(compilerSource));
  const keys = dir ? jobs.map((job) => jobKey(compiler, dist, job)) : [];
  const results: (ToolResult | undefined)[] = jobs.map((_, i) => (dir ? readCached(dir, keys[i]!) : undefined));
  const missing = jobs.flatMap((job, i) => (results[i] ? [] : [{ job, i }]));
  if (missing.length > 0) {
    const fresh = await runInWorker<ToolResult[]>(
      {
        mode: "tools",
        request: {
          indexURL: dist.dir + "/",
          lockInfo: dist.lockInfo,
          compilerSource,
          jobs: missing.map((m) => m.job),
        },
      },
      600_000,
    );
    missing.forEach(({ i }, k) => {
      results[i] = fresh[k]!;
      if (dir) writeCached(dir, keys[i]!, fresh[k]!);
    });
  }
  return results as ToolResult[];
}
