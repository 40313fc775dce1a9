import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fingerprint, sha256, writeFileAtomic } from "../../runtime/host/files.ts";
import type { ProfiledRuntime } from "../../runtime/host/host.ts";
import type { PyodideDist } from "../../runtime/host/pyodide-dist.ts";
import { instrumentFunctionStarts } from "../../transforms/wasm-profile.ts";
import { splitModule, SPLIT_FORMAT } from "../../transforms/wasm-split.ts";
import { RUNTIME_WASM, type RuntimeSplit } from "../output/bundle.ts";

export type { RuntimeSplit };

/** Where the cache keeps what it made from one runtime wasm (hashed once per process). */
export function runtimeCache(dist: PyodideDist, cacheDir: string): string {
  return join(cacheDir, "runtime-wasm", fingerprint(join(dist.dir, RUNTIME_WASM)).slice(0, 16));
}

const readWasm = (dist: PyodideDist) => new Uint8Array(readFileSync(join(dist.dir, RUNTIME_WASM)));

/**
 * A copy of the runtime whose wasm records which of its functions ran, laid out as the
 * runtime's folder (its other files copied: a link would outlive the project whose
 * node_modules it points into), made once per runtime and kept in the cache.
 */
export function profiledRuntime(dist: PyodideDist, cacheDir: string): ProfiledRuntime {
  const cache = runtimeCache(dist, cacheDir);
  const dir = join(cache, "profiled-runtime");
  const meta = join(cache, "profiled-runtime.json");
  if (existsSync(meta)) return { dir, functions: (JSON.parse(readFileSync(meta, "utf8")) as { functions: number }).functions };
  const instrumented = instrumentFunctionStarts(readWasm(dist));
  // Made aside and renamed into place: packs running at once may make it together.
  const temp = `${dir}.${process.pid}.${Date.now()}.tmp`;
  mkdirSync(temp, { recursive: true });
  for (const name of readdirSync(dist.dir)) if (name !== RUNTIME_WASM) cpSync(join(dist.dir, name), join(temp, name), { recursive: true });
  writeFileSync(join(temp, RUNTIME_WASM), instrumented.bytes);
  try {
    renameSync(temp, dir);
  } catch {
    rmSync(temp, { recursive: true, force: true }); // another pack's copy is in place
  }
  writeFileAtomic(meta, JSON.stringify({ functions: instrumented.functions }));
  return { dir, functions: instrumented.functions };
}

/**
 * The runtime's wasm split by the functions that ran (indices of defined functions),
 * kept in the cache by the runtime and the profile; undefined when nothing would move.
 */
export function splitRuntime(dist: PyodideDist, ran: Iterable<number>, cacheDir: string): RuntimeSplit | undefined {
  const cache = runtimeCache(dist, cacheDir);
  const indices = [...new Set(ran)].sort((a, b) => a - b);
  const key = sha256(new TextEncoder().encode(`${SPLIT_FORMAT}:${indices.join(",")}`)).slice(0, 16);
  const base = join(cache, `split-${key}`);
  if (existsSync(`${base}.json`)) {
    const meta = JSON.parse(readFileSync(`${base}.json`, "utf8")) as { moved: number; kept: number } | null;
    if (!meta) return undefined;
    return { primary: new Uint8Array(readFileSync(`${base}.primary.wasm`)), deferred: new Uint8Array(readFileSync(`${base}.deferred.wasm`)), ...meta };
  }
  const flags = new Uint8Array(profiledRuntime(dist, cacheDir).functions);
  for (const k of indices) flags[k] = 1;
  const split = splitModule(readWasm(dist), flags);
  if (!split) {
    writeFileAtomic(`${base}.json`, "null");
    return undefined;
  }
  writeFileAtomic(`${base}.primary.wasm`, split.primary);
  writeFileAtomic(`${base}.deferred.wasm`, split.deferred);
  writeFileAtomic(`${base}.json`, JSON.stringify({ moved: split.moved, kept: split.kept }));
  return { primary: split.primary, deferred: split.deferred, moved: split.moved, kept: split.kept };
}

/**
 * What validation found the bundle ran, for one first build of one traced run, kept in
 * the cache: a warm pack of an unchanged app splits by it at once and validates the
 * split in one run. key: firstBuildKey's.
 */
export function rememberedRuntimeRan(dist: PyodideDist, cacheDir: string, key: string): number[] | undefined {
  const file = join(runtimeCache(dist, cacheDir), `ran-${key}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as number[]) : undefined;
}

export function rememberRuntimeRan(dist: PyodideDist, cacheDir: string, key: string, ran: Iterable<number>): void {
  writeFileAtomic(join(runtimeCache(dist, cacheDir), `ran-${key}.json`), JSON.stringify([...new Set(ran)].sort((a, b) => a - b)));
}

/** A first build's key: what its trace ran of the runtime and every file of the bundle. */
export function firstBuildKey(traceRan: readonly number[], files: ReadonlyMap<string, Uint8Array>): string {
  const parts: Uint8Array[] = [new TextEncoder().encode(`${SPLIT_FORMAT}:${traceRan.join(",")}`)];
  for (const [name, data] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) parts.push(new TextEncoder().encode(name), data);
  return sha256(concatBytes(parts)).slice(0, 16);
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length + 1, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length + 1;
  }
  return out;
}
