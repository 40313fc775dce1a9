// The runtime's data by need: an app whose trace imported no CJK codec ships the runtime's
// wasm with their maps zeroed, and a page that encodes with one later gets stock's bytes,
// the maps written back before the codec module's first import (synchronously, on the
// page's main thread) or by the prefetch after the first result.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packCli } from "../../fixtures/e2e-helpers.ts";
import { APPS } from "../../fixtures/paths.ts";
import { launchChromium } from "../../runtime/host/chromium-host.ts";
import { startServer } from "../../runtime/host/server.ts";

/** What stock Pyodide prints for it, 0.29.3 and 314.0.7 alike (checked in Node). */
const CODECS = `print(['日本語'.encode('euc_jp').hex(), '臺灣'.encode('big5').decode('big5'), '한국어'.encode('cp949').hex(), '中文'.encode('gb18030').hex(), '香港'.encode('big5hkscs').hex(), '日本'.encode('iso2022_jp').hex()])`;
const STOCK = "['c6fccbdcb8ec', '臺灣', 'c7d1b1b9beee', 'd6d0cec4', 'adbbb4e4', '1b2442467c4b5c1b2842']\n";
const MODULES = ["_codecs_cn", "_codecs_hk", "_codecs_jp", "_codecs_kr", "_codecs_tw"];

let chromium: Awaited<ReturnType<typeof launchChromium>>;
beforeAll(async () => {
  chromium = await launchChromium();
});
afterAll(() => chromium.close());

type Run = { stdout: string; prefetched?: boolean; runtimeData?: { filled: string[]; refused: string[] } };

/** Opens the packed page, waits for the app (and the prefetch, with prefetch), then runs CODECS on the page's Pyodide. */
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
    }, CODECS);
    const run = await page.evaluate(() => (window as unknown as { pyodidePackerLastRun: Run }).pyodidePackerLastRun.runtimeData!);
    return { printed, filledBefore, filled: run.filled, refused: run.refused };
  } finally {
    await page.close();
    await server.close();
  }
}

describe.each([
  ["0.29.3", []],
  ["314", ["--pyodide", "314"]],
])("the runtime's data on %s", (_version, extra) => {
  let packed: Awaited<ReturnType<typeof packCli>>;
  beforeAll(async () => {
    packed = await packCli([join(APPS, "hello", "app.py"), ...extra]);
  });

  it("ships the CJK codec maps apart when the trace imported no codec, and the page encodes as stock does, before and after the prefetch", async () => {
    expect(packed.errors).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(packed.out, "manifest.json"), "utf8")) as { runtimeData: { modules: Record<string, { file: string; ranges: [number, number][] }> } };
    expect(Object.keys(manifest.runtimeData.modules).sort()).toEqual(MODULES);
    const jp = manifest.runtimeData.modules._codecs_jp!;
    expect(readFileSync(join(packed.out, jp.file)).length).toBe(jp.ranges.reduce((n, [, length]) => n + length, 0));
    // Before the prefetch: the codec's first import writes its maps back, synchronously.
    const before = await encodeOnPage(packed.out, false);
    expect(before.printed).toBe(STOCK);
    expect(before.filledBefore).toEqual([]);
    expect([...before.filled].sort()).toEqual(MODULES);
    // After it: all of them were written back already.
    const after = await encodeOnPage(packed.out, true);
    expect(after.printed).toBe(STOCK);
    expect([...after.filledBefore].sort()).toEqual(MODULES);
  });
});
