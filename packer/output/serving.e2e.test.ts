// Serving a pack as deployed: Debian's nginx with the config pack writes, and the service
// worker that keeps the app working offline; real Chromium, real runtime.
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HTTPResponse, Page } from "puppeteer-core";
import { packCli } from "../../fixtures/e2e-helpers.ts";
import { tempDir } from "../../fixtures/temp.ts";
import { ChromiumHost, launchChromium } from "../../runtime/host/chromium-host.ts";
import { startServer } from "../../runtime/host/server.ts";

const HELLO = "fixtures/apps/hello/app.py";
const EXPECTED = '{"greeting": "hello", "parts": [" w", "hell", "rld"]}\n';
const NGINX = "/usr/sbin/nginx";
const BROTLI_MODULE = "/usr/lib/nginx/modules/ngx_http_brotli_static_module.so";

let chromium: Awaited<ReturnType<typeof launchChromium>>;
beforeAll(async () => {
  chromium = await launchChromium();
});
afterAll(() => chromium.close());

/** Waits for the bundle's page to finish; its output. */
async function appOutput(page: Page): Promise<string | null> {
  await page.waitForFunction(() => document.documentElement.dataset.status, { timeout: 120_000 });
  expect(await page.evaluate(() => document.documentElement.dataset.status)).toBe("ok");
  return page.$eval("#output", (e) => e.textContent);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

/** Debian's nginx on loopback ports, one server per included config, as its own master process. */
async function startNginx(root: string, servers: { port: number; include: string }[]): Promise<{ stop(): Promise<void> }> {
  const dir = tempDir("nginx");
  const conf = join(dir, "nginx.conf");
  const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((name) => `  ${name}_temp_path ${join(dir, name)};`);
  writeFileSync(
    conf,
    [
      existsSync(BROTLI_MODULE) ? `load_module ${BROTLI_MODULE};` : "",
      // As root, nginx's workers would run as nobody, who cannot read a 0700 temp folder.
      process.getuid?.() === 0 ? "user root;" : "",
      "daemon off;",
      "worker_processes 1;",
      `pid ${join(dir, "nginx.pid")};`,
      `error_log ${join(dir, "error.log")};`,
      "events {}",
      "http {",
      "  include /etc/nginx/mime.types;",
      "  access_log off;",
      ...temp,
      ...servers.map((s) => `  server { listen 127.0.0.1:${s.port}; root ${root}; include ${join(root, s.include)}; }`),
      "}",
    ].join("\n"),
  );
  const nginx: ChildProcess = spawn(NGINX, ["-c", conf, "-p", dir], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  nginx.stderr!.on("data", (chunk) => (stderr += String(chunk)));
  // Up when the first port answers.
  for (let i = 0; ; i++) {
    const up = await fetch(`http://127.0.0.1:${servers[0]!.port}/manifest.json`).then((r) => r.ok, () => false);
    if (up) break;
    if (i > 100 || nginx.exitCode !== null) throw new Error(`nginx did not start: ${stderr}${readFileSync(join(dir, "error.log"), "utf8")}`);
    await new Promise((done) => setTimeout(done, 100));
  }
  return {
    stop: () =>
      new Promise((done) => {
        nginx.once("exit", () => done());
        nginx.kill("SIGQUIT");
      }),
  };
}

describe("--server-config nginx, served by Debian's nginx", () => {
  it.skipIf(!existsSync(NGINX))("sends the wasm as application/wasm from its .br sidecar (or .gz without ngx_brotli), and the app runs", async () => {
    const r = await packCli([HELLO, "--server-config", "nginx", "-q"]);
    expect(r.errors).toEqual([]);
    expect(r.code).toBe(0);
    for (const name of ["nginx.conf", "nginx-brotli.conf"]) expect(existsSync(join(r.out, name))).toBe(true);
    const brotli = existsSync(BROTLI_MODULE);
    const servers = [
      ...(brotli ? [{ port: await freePort(), include: "nginx-brotli.conf", encoding: "br" }] : []),
      { port: await freePort(), include: "nginx.conf", encoding: "gzip" },
    ];
    const nginx = await startNginx(r.out, servers);
    try {
      for (const server of servers) {
        const page = await chromium.browser.newPage();
        const responses: HTTPResponse[] = [];
        page.on("response", (response) => void responses.push(response));
        await page.goto(`http://127.0.0.1:${server.port}/`);
        expect(await appOutput(page)).toBe(EXPECTED);
        const wasm = responses.find((response) => response.url().endsWith("/pyodide.asm.wasm"))!;
        expect(wasm.headers()["content-type"]).toBe("application/wasm");
        expect(wasm.headers()["content-encoding"]).toBe(server.encoding);
        expect(wasm.headers()["vary"]).toMatch(/Accept-Encoding/i);
        expect(wasm.headers()["cache-control"]).toBe("no-cache");
        expect(wasm.headers()["access-control-allow-origin"]).toBe("*");
        const loader = responses.find((response) => response.url().endsWith("/loader.mjs"))!;
        expect(loader.headers()["content-type"]).toBe("text/javascript");
        await page.close();
      }
    } finally {
      await nginx.stop();
    }
  });
});

describe("--service-worker", () => {
  it("a second visit with the network off starts from the cache and prints the app's output again", async () => {
    const r = await packCli([HELLO, "--service-worker", "-q"]);
    expect(r.errors).toEqual([]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(r.out, "index.html"), "utf8")).toContain('navigator.serviceWorker?.register("sw.js")');
    const server = await startServer({ "/": r.out });
    const page = await chromium.browser.newPage();
    try {
      await page.goto(`${server.url}/`);
      expect(await appOutput(page)).toBe(EXPECTED);
      // Installed and in control once its cache holds what the first result needs.
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null, { timeout: 60_000 });
      await page.setOfflineMode(true);
      await page.reload();
      expect(await appOutput(page)).toBe(EXPECTED);
      await page.setOfflineMode(false);
    } finally {
      await page.close();
      await server.close();
    }
  });

  it("pack's own pages are never answered by a worker an earlier bundle left on the same origin", async () => {
    // Validation runs on one origin, and a pack may validate twice (lazy bodies recorded):
    // the second run must see the new files, as a first visit does.
    const hello = await packCli([HELLO, "--service-worker", "-q"]);
    const other = await packCli(["fixtures/apps/exits-0/app.py", "--service-worker", "-q"]);
    expect(hello.code).toBe(0);
    expect(other.code).toBe(0);
    const host = new ChromiumHost();
    try {
      expect((await host.runBundle(hello.out, 120_000)).stdout).toBe(EXPECTED);
      expect((await host.runBundle(other.out, 120_000)).stdout).toBe(other.report().validation.stdout);
    } finally {
      await host.close();
    }
  });

  it("a new bundle replaces the cache: its worker deletes the old one", async () => {
    const first = await packCli([HELLO, "--service-worker", "-q"]);
    const second = await packCli([HELLO, "--service-worker", "--no-minify", "-q"]);
    const cacheName = (out: string) => /"cache": "(pyodide-packer-[0-9a-f]{8})"/.exec(readFileSync(join(out, "sw.js"), "utf8"))![1]!;
    expect(cacheName(first.out)).not.toBe(cacheName(second.out));
    const site = join(tempDir("sw-site"), "site");
    mkdirSync(site);
    const server = await startServer({ "/": site });
    const page = await chromium.browser.newPage();
    const visit = async (out: string) => {
      rmSync(site, { recursive: true, force: true });
      cpSync(out, site, { recursive: true });
      await page.goto(`${server.url}/`);
      expect(await appOutput(page)).toBe(EXPECTED);
      await page.waitForFunction(async (name) => (await caches.has(name)) && navigator.serviceWorker.controller?.scriptURL.endsWith("/sw.js"), { timeout: 60_000 }, cacheName(out));
    };
    try {
      await visit(first.out);
      await visit(second.out);
      await page.waitForFunction((name) => caches.keys().then((keys) => keys.length === 1 && keys[0] === name), { timeout: 60_000 }, cacheName(second.out));
    } finally {
      await page.close();
      await server.close();
    }
  });
});
