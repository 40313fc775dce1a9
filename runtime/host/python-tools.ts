import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sha256, writeFileAtomic } from "./files.ts";
import { readAsset } from "./assets.ts";
import { runInWorker } from "./node-host.ts";
import type { PyodideDist } from "./pyodide-dist.ts";

/** What a .pyc keeps of its location table: all, line numbers only, or nothing. */
export type LineTable = "full" | "lines" | "none";

export type ToolJob = {
  op: "check" | "compile" | "strip" | "reads-doc" | "imports" | "shake";
  path: string;
  data: Uint8Array;
  lines?: LineTable;
  /** strip: what becomes of docstrings (see compiler.py); "strip" when absent. */
  docstrings?: "keep" | "strip" | "empty";
  /** shake: the code that ran, "filename\tqualname\tfirst line" rows. */
  ran?: string;
};
export type ToolResult = { ok: true; data?: Uint8Array } | { ok: false; error: string };

/** A result depends on compiler.py, the runtime, the operation, its flags, the file name compiled in, and the bytes. */
function jobKey(compiler: string, dist: PyodideDist, job: ToolJob): string {
  const head = JSON.stringify([
    compiler,
    dist.version,
    job.op,
    job.op === "compile" ? job.path : "",
    job.lines ?? "full",
    job.docstrings ?? "strip",
    job.ran ?? "",
  ]);
  return createHash("sha256").update(head).update("\0").update(job.data).digest("hex");
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
    const record = new Uint8Array(body.length + 1);
    record[0] = tag;
    record.set(body, 1);
    writeFileAtomic(join(dir, key), record);
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
  const compilerSource = readAsset("worker/compiler.py");
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
