// The bundler plugins on real bundlers (vite 8.3.8, webpack 5, rollup 4, esbuild): fixture
// projects built by the tests, served by a static server and opened in real Chromium.
import { cpSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { brotliDecompressSync } from "node:zlib";
import type { RollupWatcherEvent } from "rollup";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChromiumHost, launchChromium } from "../../runtime/host/chromium-host.ts";
import { startServer } from "../../runtime/host/server.ts";
import { readTree } from "../output/bundle.ts";
import { tempDir } from "../../fixtures/temp.ts";
import { REPO } from "../../fixtures/paths.ts";
import { pyodidePacker as vitePlugin } from "./vite.ts";
import { pyodidePacker as webpackPlugin } from "./webpack.ts";
import { pyodidePacker as rollupPlugin } from "./rollup.ts";
import { pyodidePacker as esbuildPlugin } from "./esbuild.ts";

const EXPECTED = '{"mean": 12.9, "max": 14.2}\n';
/** A content hash in a name: "bundle.1f2e3d4c.zip", or a folder "pyodide-9a8b7c6d/". */
const HASHED = /(\.[0-9a-f]{8}\.[a-z]+(\.br|\.gz)?$)|(-[0-9a-f]{8}\/)/;

let chromium: Awaited<ReturnType<typeof launchChromium>>;
beforeAll(async () => {
  chromium = await launchChromium();
});
afterAll(() => chromium.close());

/** A copy of a fixture project in a fresh folder, so that its pack is new to the cache. */
function project(name: string): string {
  const dir = join(tempDir(`plugin-${name}`), name);
  cpSync(join(REPO, "fixtures", "web", name), dir, { recursive: true });
  return dir;
}

/** What the plugin says on stderr while work runs. */
async function capture(work: () => Promise<unknown>): Promise<string> {
  const write = process.stderr.write.bind(process.stderr);
  let said = "";
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    said += String(chunk);
    return write(chunk, ...rest);
  }) as typeof process.stderr.write;
  try {
    await work();
  } finally {
    process.stderr.write = write;
  }
  return said;
}

/** Opens the built site's page, waits for the app; returns its output and every URL it asked for. */
async function openSite(dir: string, path = "/") {
  const server = await startServer({ "/": dir });
  const page = await chromium.browser.newPage();
  const urls: string[] = [];
  page.on("request", (request) => void urls.push(request.url()));
  try {
    await page.goto(server.url + path);
    await page.waitForFunction(() => document.documentElement.dataset.status, { timeout: 120_000 });
    const output = await page.$eval("#output", (e) => e.textContent);
    const status = await page.evaluate(() => document.documentElement.dataset.status);
    return { output, status, urls, origin: server.url };
  } finally {
    await page.close();
    await server.close();
  }
}

function expectServedRight(site: Awaited<ReturnType<typeof openSite>>) {
  expect(site.output).toBe(EXPECTED);
  expect(site.status).toBe("ok");
  expect(site.urls.filter((u) => !u.startsWith(site.origin + "/"))).toEqual([]);
  // The bundle's files came by their hashed names (the page and its own script are the build's).
  const bundleFiles = site.urls.filter((u) => /pyodide|manifest|bundle|python_stdlib|loader/.test(new URL(u).pathname));
  expect(bundleFiles.length).toBeGreaterThan(5);
  expect(bundleFiles.filter((u) => !HASHED.test(new URL(u).pathname))).toEqual([]);
}

/** Each file's .br sidecar holds its bytes: no step of the build (a minimizer) changed one. */
function expectSidecarsHold(out: string) {
  const tree = readTree(out);
  const changed = [...tree.keys()].filter((p) => tree.has(`${p}.br`) && !brotliDecompressSync(tree.get(`${p}.br`)!).equals(tree.get(p)!));
  expect(changed).toEqual([]);
}

/** The plugin's files in the output: every one named by its content. */
function expectHashed(out: string, assetsDir: string) {
  const ours = [...readTree(out).keys()].filter((p) => /pyodide|bundle|manifest|python_stdlib|bodies|fallback/.test(p));
  expect(ours.length).toBeGreaterThan(10);
  expect(ours.filter((p) => !p.startsWith(`${assetsDir}/`) || !HASHED.test(p))).toEqual([]);
}

describe("vite", () => {
  it("builds a page that runs the app from hashed assets, and a second build reuses the pack", async () => {
    const { build } = await import("vite");
    const root = project("vite");
    const out = join(root, "dist");
    const viteBuild = () =>
      build({ root, configFile: false, logLevel: "silent", plugins: [vitePlugin({ app: "py/app.py" })], build: { outDir: out, emptyOutDir: true } });
    const first = await capture(viteBuild);
    expect(first).not.toMatch(/reused/);
    expectHashed(out, "assets");
    expectServedRight(await openSite(out));
    const packReport = readTree(out); // the pack's report stays in the cache, not in the build
    expect([...packReport.keys()].some((p) => p.includes("report"))).toBe(false);
    const second = await capture(viteBuild);
    expect(second).toMatch(/reused the pack of py\/app\.py/);
    expectServedRight(await openSite(out));
    // vite preview (sirv) sends a requested .br or .gz with its Content-Encoding.
    const { preview } = await import("vite");
    const server = await preview({ root, configFile: false, logLevel: "silent", build: { outDir: out }, preview: { host: "127.0.0.1", port: 0 } });
    try {
      const page = await chromium.browser.newPage();
      await page.goto(server.resolvedUrls!.local[0]!);
      await page.waitForFunction(() => document.documentElement.dataset.status, { timeout: 120_000 });
      expect(await page.$eval("#output", (e) => e.textContent)).toBe(EXPECTED);
      await page.close();
    } finally {
      await server.close();
    }
  });

  it("under a base path, with the server config for nginx", async () => {
    const { build } = await import("vite");
    const root = project("vite");
    const site = join(root, "site");
    await build({
      root,
      base: "/app/",
      configFile: false,
      logLevel: "silent",
      plugins: [vitePlugin({ app: "py/app.py", serverConfig: "nginx" })],
      build: { outDir: join(site, "app"), emptyOutDir: true },
    });
    expect(readFileSync(join(site, "app", "nginx.conf"), "utf8")).toMatch(/location \^~ \/assets\/ \{/);
    expectServedRight(await openSite(site, "/app/"));
  });

  it("fails the build with pack's one line when the bundle is over its budget", async () => {
    const { build } = await import("vite");
    const root = project("vite");
    const failed = build({ root, configFile: false, logLevel: "silent", plugins: [vitePlugin({ app: "py/app.py", budget: "10kB" })], build: { outDir: join(root, "dist") } });
    await expect(failed).rejects.toThrow(/pyodide-packer: over budget: total is [\d.,]+ kB brotli, over its budget of 10 kB/);
  });
});

describe("vite dev server", () => {
  it("serves the same module from a pack, and packs again when the app changes", async () => {
    const { createServer } = await import("vite");
    const root = project("vite");
    const server = await createServer({ root, configFile: false, logLevel: "silent", plugins: [vitePlugin({ app: "py/app.py" })], server: { host: "127.0.0.1", port: 0 } });
    await server.listen();
    const page = await chromium.browser.newPage();
    try {
      const address = server.httpServer!.address() as { port: number };
      await page.goto(`http://127.0.0.1:${address.port}/`);
      await page.waitForFunction(() => document.documentElement.dataset.status === "ok", { timeout: 120_000 });
      expect(await page.$eval("#output", (e) => e.textContent)).toBe(EXPECTED);
      const app = join(root, "py", "app.py");
      writeFileSync(app, readFileSync(app, "utf8").replace('"max": max(readings)', '"min": min(readings)'));
      // The pack reruns, then the page reloads and prints the new output.
      await page.waitForFunction(() => document.querySelector("#output")?.textContent?.includes('"min"'), { timeout: 120_000, polling: 500 });
      expect(await page.$eval("#output", (e) => e.textContent)).toBe('{"mean": 12.9, "min": 11.8}\n');
    } finally {
      await page.close();
      await server.close();
    }
  });
});

describe("webpack", () => {
  it("builds a page that runs the app from hashed assets, and a second build reuses the pack", async () => {
    const { webpack } = await import("webpack");
    const root = project("webpack");
    const out = join(root, "dist");
    const run = () =>
      new Promise<void>((done, fail) => {
        webpack(
          {
            mode: "production",
            context: root,
            entry: "./src/main.js",
            output: { path: out, filename: "main.js", publicPath: "auto", clean: true },
            plugins: [webpackPlugin({ app: "py/app.py" })],
            infrastructureLogging: { level: "error" },
          },
          (error: Error | null, stats?: { hasErrors(): boolean; toString(o: object): string }) => {
            if (error) return fail(error);
            if (stats?.hasErrors()) return fail(new Error(stats.toString({ all: false, errors: true })));
            done();
          },
        );
      });
    const first = await capture(run);
    expect(first).not.toMatch(/reused/);
    cpSync(join(root, "public", "index.html"), join(out, "index.html"));
    expectHashed(out, "assets");
    // webpack's minimizer left pack's modules (loader.mjs, pyodide.mjs) as pack wrote them.
    expectSidecarsHold(out);
    expectServedRight(await openSite(out));
    const second = await capture(run);
    expect(second).toMatch(/reused the pack of py\/app\.py/);
    cpSync(join(root, "public", "index.html"), join(out, "index.html"));
    expectServedRight(await openSite(out));
  });
});

describe("rollup and esbuild", () => {
  it("rollup emits the hashed assets and a module that knows their names", async () => {
    const { rollup } = await import("rollup");
    const root = project("vite");
    const bundle = await rollup({ input: join(root, "src", "main.js"), plugins: [rollupPlugin({ app: join(root, "py", "app.py") })] });
    const out = join(root, "rollup-out");
    await bundle.write({ dir: out, format: "es" });
    await bundle.close();
    // The fallback's chunks move as one hashed folder.
    expect([...readTree(out).keys()].some((p) => /^assets\/fallback-[0-9a-f]{8}\/.*\.zip$/.test(p))).toBe(true);
    const main = readFileSync(join(out, "main.js"), "utf8");
    const manifest = /"manifest\.json": "(assets\/manifest\.[0-9a-f]{8}\.json)"/.exec(main);
    expect(manifest).not.toBeNull();
    expect(readFileSync(join(out, manifest![1]!), "utf8")).toMatch(/"main":/);
    expectHashed(out, "assets");
  });

  it("rollup's watch mode packs again when an app file changes", async () => {
    const { watch } = await import("rollup");
    const root = project("vite");
    const out = join(root, "watch-out");
    // The app's files are in bundle.zip: its hashed name changes with them.
    const bundleName = () => /"bundle\.zip": "(assets\/bundle\.[0-9a-f]{8}\.zip)"/.exec(readFileSync(join(out, "main.js"), "utf8"))![1]!;
    const watcher = watch({ input: join(root, "src", "main.js"), plugins: [rollupPlugin({ app: join(root, "py", "app.py") })], output: { dir: out, format: "es" }, watch: { buildDelay: 100 } });
    /** Resolves at the end of the next build; rejects on its error. */
    const built = () =>
      new Promise<void>((done, fail) => {
        const on = (event: RollupWatcherEvent) => {
          if (event.code === "BUNDLE_END") void event.result?.close();
          if (event.code === "END") done();
          else if (event.code === "ERROR") fail(event.error);
          else return;
          watcher.off("event", on);
        };
        watcher.on("event", on);
      });
    try {
      await built();
      const first = bundleName();
      const app = join(root, "py", "app.py");
      const rebuilt = built();
      writeFileSync(app, readFileSync(app, "utf8").replace('"max": max(readings)', '"min": min(readings)'));
      await rebuilt;
      const second = bundleName();
      expect(second).not.toBe(first);
      expect(statSync(join(out, second)).isFile()).toBe(true);
    } finally {
      await watcher.close();
    }
  });

  it("esbuild emits the hashed assets and a module that knows their names, with the options of a config file", async () => {
    const esbuild = await import("esbuild");
    const root = project("vite");
    const out = join(root, "esbuild-out");
    writeFileSync(join(root, "pyodide-packer.toml"), 'fallback = "off"\n');
    await esbuild.build({
      absWorkingDir: root,
      entryPoints: ["src/main.js"],
      bundle: true,
      format: "esm",
      outdir: out,
      logLevel: "silent",
      plugins: [esbuildPlugin({ app: "py/app.py", config: "pyodide-packer.toml" })],
    });
    // The config's fallback = "off": no pruned archive ships.
    expect([...readTree(out).keys()].filter((p) => /fallback-[0-9a-f]{8}\/.*\.(zip|whl)$/.test(p))).toEqual([]);
    const main = readFileSync(join(out, "main.js"), "utf8");
    const loader = /"loader\.mjs": "(assets\/loader\.[0-9a-f]{8}\.mjs)"/.exec(main);
    expect(loader).not.toBeNull();
    expect(statSync(join(out, loader![1]!)).isFile()).toBe(true);
    expectHashed(out, "assets");
    expect(relative(root, out)).toBe("esbuild-out");
  });
});

describe("a PyScript page as the app", () => {
  const HELLO = "3 points, mean x 3.0\n";

  /**
   * PyScript's hello fixture as a project of its own, with the project's install
   * (@pyscript/core among it) and an entry for the bundlers that need one. One project
   * for the three builds: the first packs, the others reuse its pack.
   */
  let root: string;
  beforeAll(() => {
    root = join(tempDir("plugin-pyscript"), "site");
    cpSync(join(REPO, "fixtures", "pyscript", "hello"), root, { recursive: true });
    symlinkSync(join(REPO, "node_modules"), join(root, "node_modules"));
    writeFileSync(join(root, "entry.js"), "export const site = 'points';\n");
  });

  /** Opens the built page as a visitor would, from a plain static server. */
  async function visit(out: string) {
    const host = new ChromiumHost();
    try {
      return await host.runBundle(out, 120_000);
    } finally {
      await host.close();
    }
  }

  it("vite builds the page booting the bundle: PyScript and the bundle from hashed assets, the page's own files at their names", async () => {
    const { build } = await import("vite");
    const out = join(root, "dist", "vite");
    await build({ root, configFile: false, logLevel: "silent", plugins: [vitePlugin({ app: "index.html" })], build: { outDir: out, emptyOutDir: true } });
    const html = readFileSync(join(out, "index.html"), "utf8");
    const core = /<script type="module" src="\/(assets\/pyscript-[0-9a-f]{8}\/)core\.js"><\/script>/.exec(html);
    expect(core).not.toBeNull();
    expect(html).toContain(`<link rel="stylesheet" href="/${core![1]}core.css">`);
    expect(html).not.toContain("pyscript.net");
    const interpreter = /"interpreter":"\/(assets\/pyscript-interpreter\.[0-9a-f]{8}\.mjs)"/.exec(html);
    expect(interpreter).not.toBeNull();
    expect(readFileSync(join(out, interpreter![1]!), "utf8")).toMatch(/from "\.\/loader\.[0-9a-f]{8}\.mjs"/);
    expect(readFileSync(join(out, "main.py"), "utf8")).toBe(readFileSync(join(root, "main.py"), "utf8"));
    expectHashed(out, "assets");
    const run = await visit(out);
    expect(run.outcome).toEqual({ ok: true, exitCode: 0 });
    expect(run.stdout).toBe(HELLO);
    expect(run.page).toContain("median x 3.0");
    // Only the build's files: PyScript's and the bundle's by their hashed names, the page's by their own.
    const paths = run.requests!.map((q) => q.path!);
    expect(paths.filter((p) => !statSync(join(out, p), { throwIfNoEntry: false })?.isFile())).toEqual([]);
    expect(paths.filter((p) => p.startsWith("/assets/") && !/pyscript-interpreter|index-/.test(p) && !HASHED.test(p))).toEqual([]);
    expect(paths).toEqual(expect.arrayContaining(["/main.py", "/points.csv", `/${core![1]}core.js`]));
  });

  it("vite's dev server serves the page booting the pack", async () => {
    const { createServer } = await import("vite");
    const server = await createServer({ root, configFile: false, logLevel: "silent", plugins: [vitePlugin({ app: "index.html" })], server: { host: "127.0.0.1", port: 0 } });
    await server.listen();
    const page = await chromium.browser.newPage();
    try {
      const address = server.httpServer!.address() as { port: number };
      await page.goto(`http://127.0.0.1:${address.port}/`);
      type Ran = { pyodidePackerLastRun?: { stdout: string } };
      await page.waitForFunction(() => (window as unknown as Ran).pyodidePackerLastRun !== undefined, { timeout: 120_000 });
      expect(await page.evaluate(() => (window as unknown as Ran).pyodidePackerLastRun!.stdout)).toBe(HELLO);
      expect(await page.$eval('script[type="module"][src*="core.js"]', (e) => e.getAttribute("src"))).toBe("/@pyodide-packer/pyscript/core.js");
    } finally {
      await page.close();
      await server.close();
    }
  });

  it("webpack, which builds no page, emits it beside its entry, PyScript's modules not minimized", async () => {
    const { webpack } = await import("webpack");
    const out = join(root, "dist", "webpack");
    const said = await capture(
      () =>
        new Promise<void>((done, fail) => {
          webpack(
            { mode: "production", context: root, entry: "./entry.js", output: { path: out, publicPath: "auto", clean: true }, plugins: [webpackPlugin({ app: "index.html" })], infrastructureLogging: { level: "error" } },
            (error: Error | null, stats?: { hasErrors(): boolean; toString(o: object): string }) => (error ? fail(error) : stats?.hasErrors() ? fail(new Error(stats.toString({ all: false, errors: true }))) : done()),
          );
        }),
    );
    // The page's pack is the Vite build's: its key holds the page's files and PyScript's, not the bundler.
    expect(said).toMatch(/reused the pack of index\.html/);
    expect(readFileSync(join(out, "index.html"), "utf8")).toMatch(/src="\.\/assets\/pyscript-[0-9a-f]{8}\/core\.js"/);
    expectSidecarsHold(out);
    const run = await visit(out);
    expect(run.stdout).toBe(HELLO);
  });
});
