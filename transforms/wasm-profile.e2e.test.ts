// The runtime's own wasm, instrumented by transforms/wasm-profile.ts, boots Pyodide and
// runs an app as the released binary does, and tells which of its functions started
// (issue 31's first step: the profile a split is made from).
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ANCHOR_APPS, REPO } from "../fixtures/paths.ts";
import { tempDir } from "../fixtures/temp.ts";
import { findDist } from "../runtime/host/pyodide-dist.ts";
import { functionsStarted } from "../runtime/shared/pyodide-adapter.mjs";
import { instrumentFunctionStarts } from "./wasm-profile.ts";

describe("the runtime's wasm, instrumented", () => {
  it.each([
    ["0.29.3", 13_091],
    ["314", 16_958],
  ])("boots Pyodide %s, prints what the released one prints, and tells which of its functions ran", async (version, defined) => {
    const dist = findDist(version, REPO);
    const dir = join(tempDir(`wasm-profile-${version}`), "pyodide");
    cpSync(dist.dir, dir, { recursive: true });
    const original = new Uint8Array(readFileSync(join(dist.dir, "pyodide.asm.wasm")));
    const out = instrumentFunctionStarts(original);
    expect(out.functions).toBe(defined);
    writeFileSync(join(dir, "pyodide.asm.wasm"), out.bytes);
    const { loadPyodide } = (await import(join(dir, "pyodide.mjs"))) as { loadPyodide: (o: object) => Promise<any> };
    const pyodide = await loadPyodide({ indexURL: `${dir}/` });
    let stdout = "";
    pyodide.setStdout({ batched: (line: string) => (stdout += line + "\n") });
    const started = () => functionsStarted(pyodide, out.functions).reduce((n: number, b: number) => n + b, 0);
    const atBoot = started();
    pyodide.runPython(readFileSync(join(ANCHOR_APPS, "stdlib_only", "app.py"), "utf8"));
    const afterApp = started();
    pyodide.runPython("import decimal; print(decimal.Decimal(1) / 7)");
    const afterDecimal = started();
    expect(stdout).toBe('{"a": [1, 2, 3], "top": [["the", 3], ["and", 2]]}\n0.1428571428571428571428571429\n');
    // Pyodide's start-up is most of what runs (0.29.3: 2,503 at boot, 2,537 after the app);
    // code the app did not reach (decimal) starts later.
    expect(atBoot).toBeGreaterThan(1_000);
    expect(atBoot).toBeLessThan(defined / 2);
    expect(afterApp).toBeGreaterThan(atBoot);
    expect(afterDecimal).toBeGreaterThan(afterApp);
  });
});
