// The runtime's data by need: an app whose trace imported no CJK codec and not unicodedata
// ships the runtime's wasm with their tables zeroed, and a page that encodes with a codec
// or names a character later gets stock's output, the tables written back before the
// module's first import (synchronously, on the page's main thread) or by the prefetch
// after the first result.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packCli } from "../../fixtures/e2e-helpers.ts";
import { APPS, REPO } from "../../fixtures/paths.ts";
import { tempDir } from "../../fixtures/temp.ts";
import { launchChromium } from "../../runtime/host/chromium-host.ts";
import { startServer } from "../../runtime/host/server.ts";

/** Codecs and names, as the issue lists them, and every code point's name, digested. */
const CODE = `
import hashlib, unicodedata
names = "\\n".join(unicodedata.name(chr(c), "") for c in range(0x110000))
print(['日本語'.encode('euc_jp').hex(), '臺灣'.encode('big5').decode('big5'), '한국어'.encode('cp949').hex(), '中文'.encode('gb18030').hex(), '香港'.encode('big5hkscs').hex(), '日本'.encode('iso2022_jp').hex()])
exec('print("\\\\N{BULLET}")')
print('é'.encode('ascii', 'namereplace'), unicodedata.name('é'), unicodedata.lookup('BULLET'), unicodedata.lookup('KEYCAP NUMBER SIGN'), len.__doc__)
help(len)
print(hashlib.sha256(names.encode()).hexdigest())
`;
const MODULES = ["_codecs_cn", "_codecs_hk", "_codecs_jp", "_codecs_kr", "_codecs_tw", "unicodedata"];

/** What stock Pyodide of that version prints for CODE, in Node. */
async function stockPrints(pkg: string): Promise<string> {
  const { loadPyodide } = (await import(join(REPO, "node_modules", pkg, "pyodide.mjs"))) as { loadPyodide: () => Promise<{ runPython(c: string): void; setStdout(o: object): void }> };
  const pyodide = await loadPyodide();
  let text = "";
  pyodide.setStdout({ batched: (line: string) => (text += `${line}\n`) });
  pyodide.runPython(CODE);
  return text;
}

let chromium: Awaited<ReturnType<typeof launchChromium>>;
beforeAll(async () => {
  chromium = await launchChromium();
});
afterAll(() => chromium.close());

type Run = { stdout: string; prefetched?: boolean; runtimeData?: { filled: string[]; refused: string[] } };

/** Opens the packed page, waits for the app (and the prefetch, with prefetch), then runs CODE on the page's Pyodide. */
async function encodeOnPage(out: string, prefetch: boolean) {
  const server = await startServer({ "/": out });
  const page = await chromium.browser.newPage();
  try {
    await page.evaluateOnNewDocument((o) => Object.assign(window, { pyodidePackerOptions: o }), { prefetch });
    await page.goto(`${server.url}/index.html`);
    await page.waitForFunction((p) => {
      const run = (window as unknown as { pyodidePackerLastRun?: Run }).pyodidePackerLastRun;
      return run !== undefined && (!p || run.prefetched === true);
    }, { timeout: 120_000 }, prefetch);
    const filledBefore = await page.evaluate(() => [...(window as unknown as { pyodidePackerLastRun: Run }).pyodidePackerLastRun.runtimeData!.filled]);
    const printed = await page.evaluate((code) => {
      const pyodide = (window as unknown as { pyodidePackerPyodide: { runPython(c: string): void; setStdout(o: object): void } }).pyodidePackerPyodide;
      let text = "";
      pyodide.setStdout({ batched: (line: string) => (text += `${line}\n`) });
      pyodide.runPython(code);
      return text;
    }, CODE);
    const run = await page.evaluate(() => (window as unknown as { pyodidePackerLastRun: Run }).pyodidePackerLastRun.runtimeData!);
    return { printed, filledBefore, filled: run.filled, refused: run.refused };
  } finally {
    await page.close();
    await server.close();
  }
}

describe.each([
  ["0.29.3", "pyodide", []],
  ["314", "pyodide-314", ["--pyodide", "314"]],
])("the runtime's data on %s", (_version, pkg, extra) => {
  let packed: Awaited<ReturnType<typeof packCli>>;
  let stock: string;
  beforeAll(async () => {
    packed = await packCli([join(APPS, "hello", "app.py"), ...extra]);
    stock = await stockPrints(pkg);
  });

  it("ships the codec maps and the name database apart when the trace imported neither, and the page prints what stock does, before and after the prefetch", async () => {
    expect(packed.errors).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(packed.out, "manifest.json"), "utf8")) as { runtimeData: { modules: Record<string, { file: string; ranges: [number, number][] }> } };
    expect(Object.keys(manifest.runtimeData.modules).sort()).toEqual(MODULES);
    const jp = manifest.runtimeData.modules._codecs_jp!;
    expect(readFileSync(join(packed.out, jp.file)).length).toBe(jp.ranges.reduce((n, [, length]) => n + length, 0));
    // Before the prefetch: the codec's first import writes its maps back, synchronously.
    const before = await encodeOnPage(packed.out, false);
    expect(stock).toContain("c6fccbdcb8ec");
    expect(before.printed).toBe(stock);
    expect(before.filledBefore).toEqual([]);
    expect([...before.filled].sort()).toEqual(MODULES);
    // After it: all of them were written back already.
    const after = await encodeOnPage(packed.out, true);
    expect(after.printed).toBe(stock);
    expect([...after.filledBefore].sort()).toEqual(MODULES);
  });
});

describe("a trace that imported them", () => {
  it("ships those modules' tables in place", async () => {
    const dir = tempDir("runtime-data-used");
    writeFileSync(join(dir, "app.py"), "import unicodedata\nprint(unicodedata.name('é'), 'é'.encode('euc_jp'))\n");
    const r = await packCli([join(dir, "app.py")]);
    expect(r.errors).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(r.out, "manifest.json"), "utf8")) as { runtimeData: { modules: Record<string, unknown> } };
    expect(Object.keys(manifest.runtimeData.modules).sort()).toEqual(["_codecs_cn", "_codecs_hk", "_codecs_kr", "_codecs_tw"]);
    expect(r.report().validation).toMatchObject({ ok: true, stdout: "LATIN SMALL LETTER E WITH ACUTE b'\\x8f\\xab\\xb1'\n" });
  });
});
