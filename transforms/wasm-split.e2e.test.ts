// The released runtime's wasm split by what booting Pyodide and one print ran, in Node: Pyodide boots on
// the primary alone, and code that did not run then (missed.py: decimal, unicodedata,
// zlib, exceptions, ctypes and function pointers) prints what the released runtime
// prints, through the loader's own hook (runtime/page/loader/runtime-split.mjs), whether
// its first call reads the deferred module from the file system or the prefetch did.
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { APPS, REPO } from "../fixtures/paths.ts";
import { tempDir } from "../fixtures/temp.ts";
import { findDist } from "../runtime/host/pyodide-dist.ts";
import { withSplitRuntime, type SplitUse } from "../runtime/page/loader/runtime-split.mjs";
import { functionsStarted } from "../runtime/shared/pyodide-adapter.mjs";
import { instrumentFunctionStarts } from "./wasm-profile.ts";
import { splitModule } from "./wasm-split.ts";

const MISSED = readFileSync(join(APPS, "runtime-split", "missed.py"), "utf8");

type Pyodide = { runPython(code: string): unknown; setStdout(o: object): void };

async function boot(dir: string): Promise<Pyodide> {
  const { loadPyodide } = (await import(join(dir, "pyodide.mjs"))) as { loadPyodide: (o: object) => Promise<Pyodide> };
  return loadPyodide({ indexURL: `${dir}/` });
}

function run(pyodide: Pyodide, code: string): string {
  let out = "";
  pyodide.setStdout({ batched: (line: string) => (out += line + "\n") });
  pyodide.runPython(code);
  return out;
}

describe("the released runtime's wasm, split by what booting and a print ran", () => {
  it.each(["0.29.3", "314"])("boots on the primary, and missed code runs as on the released one, loaded by its first call or prefetched (%s)", async (version) => {
    const dist = findDist(version, REPO);
    const work = tempDir(`wasm-split-${version}`);
    const copy = (name: string) => {
      const dir = join(work, name);
      cpSync(dist.dir, dir, { recursive: true });
      return dir;
    };
    const original = new Uint8Array(readFileSync(join(dist.dir, "pyodide.asm.wasm")));
    const profiled = instrumentFunctionStarts(original);
    const profiledDir = copy("profiled");
    writeFileSync(join(profiledDir, "pyodide.asm.wasm"), profiled.bytes);
    const profiling = await boot(profiledDir);
    run(profiling, "print('booted')");
    const ran = functionsStarted(profiling, profiled.functions);
    const split = splitModule(original, ran)!;
    expect(split.moved).toBeGreaterThan(split.kept);
    const splitDir = copy("split");
    writeFileSync(join(splitDir, "pyodide.asm.wasm"), split.primary);
    const deferred = join(splitDir, "pyodide.asm.deferred.wasm");
    writeFileSync(deferred, split.deferred);

    const expected = run(await boot(dist.dir), MISSED);
    expect(expected).toContain("list tp_hash is PyObject_HashNotImplemented: True");
    for (const prefetch of [false, true]) {
      const use: SplitUse = { loaded: "", refused: false };
      const load = { readSync: () => new Uint8Array(readFileSync(deferred)), compile: () => WebAssembly.compile(readFileSync(deferred)), enabled: true, use };
      const { value: pyodide, prefetch: prefetchRest } = await withSplitRuntime(load, () => boot(splitDir));
      expect(run(pyodide, "print('booted')")).toBe("booted\n");
      expect(use.loaded).toBe("");
      if (prefetch) await prefetchRest();
      expect(run(pyodide, MISSED)).toBe(expected);
      expect(use.loaded).toBe(prefetch ? "prefetch" : "call");
    }
    // With the deferred module off, the first call into it fails and says so.
    const off: SplitUse = { loaded: "", refused: false };
    const { value: refusing } = await withSplitRuntime({ readSync: () => new Uint8Array(), compile: () => Promise.reject(new Error("off")), enabled: false, use: off }, () => boot(splitDir));
    expect(() => refusing.runPython("import decimal; decimal.Decimal(1) / 7")).toThrow();
    expect(off).toEqual({ loaded: "", refused: true });
  });
});
