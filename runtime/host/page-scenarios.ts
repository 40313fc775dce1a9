import { basename } from "node:path";
import { pathToFileURL } from "node:url";
import type { Page } from "puppeteer-core";
import type { RunOutcome } from "./host.ts";

/**
 * What a page scenario (--scenario FILE.mjs) exports: it drives the page (click, type,
 * wait) after the app's run; pyodide is a handle on the page's Pyodide, for
 * page.evaluate((py) => py.runPython("..."), pyodide).
 */
export type PageScenario = (context: { page: Page; pyodide: unknown }) => Promise<unknown>;

/** The Pyodide a page scenario sees: the trace page and index.html both set it. */
declare global {
  interface Window {
    pyodidePackerPyodide?: unknown;
  }
}

/**
 * Runs one page scenario against page and tells how it ended: a scenario that throws, or
 * during which the page raises (a Python handler's exception surfaces there), fails; its
 * error keeps the whole message (a traceback), for the caller to pick from.
 */
export async function runPageScenario(page: Page, path: string): Promise<RunOutcome> {
  // The page's first error ends the scenario at once (it may be waiting for a result the
  // failed handler will never show).
  let onError: (error: unknown) => void = () => {};
  const raised = new Promise<never>((_, reject) => {
    onError = (error) => reject(new Error(`the page raised ${String((error as Error)?.message ?? error).trim()}`));
  });
  raised.catch(() => {});
  page.on("pageerror", onError);
  const failed = (detail: string): RunOutcome => ({ ok: false, exitCode: 1, errorType: "ScenarioError", error: `${basename(path)}: ${detail}` });
  try {
    const module = (await import(pathToFileURL(path).href)) as { scenario?: PageScenario };
    if (typeof module.scenario !== "function") return failed("exports no function named scenario");
    const pyodide = await page.evaluateHandle(() => window.pyodidePackerPyodide);
    try {
      await Promise.race([module.scenario({ page, pyodide }), raised]);
    } finally {
      await pyodide.dispose();
    }
    return { ok: true, exitCode: 0 };
  } catch (error) {
    return failed(String((error as Error)?.message ?? error));
  } finally {
    page.off("pageerror", onError);
  }
}
