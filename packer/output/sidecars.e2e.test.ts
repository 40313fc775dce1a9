// The bundle loads in Chromium whether the server sends brotli itself (from the .br
// sidecar, as nginx brotli_static does) or sends files as they are (the loader then
// fetches a sidecar and decodes it).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packCli } from "../../fixtures/e2e-helpers.ts";
import { ANCHOR_APPS, WHEELS_029 } from "../../fixtures/paths.ts";
import { ChromiumHost } from "../../runtime/host/chromium-host.ts";

describe("sidecars", () => {
  let out: string;
  const host = new ChromiumHost();
  beforeAll(async () => {
    const r = await packCli([join(ANCHOR_APPS, "jinja2", "app.py"), "--find-links", WHEELS_029]);
    expect(r.code).toBe(0);
    out = r.out;
  });
  afterAll(() => host.close());

  it("writes .br and .gz beside every file a page downloads", () => {
    for (const name of ["python_stdlib.zip", "bundle.zip", "manifest.json", "loader.mjs", "index.html", "pyodide/pyodide.asm.wasm"]) {
      const raw = readFileSync(join(out, name));
      expect(brotliDecompressSync(readFileSync(join(out, `${name}.br`))).equals(raw), name).toBe(true);
      expect(gunzipSync(readFileSync(join(out, `${name}.gz`))).equals(raw), name).toBe(true);
    }
    expect(existsSync(join(out, "report.json.br"))).toBe(false);
  });

  it("loads with Content-Encoding: br from a precompressing server", async () => {
    const served = new Map<string, string | undefined>();
    const run = await host.runBundle(out, 120_000, { server: { precompressed: true, onRequest: (p, e) => served.set(p, e) } });
    expect(run.outcome.ok).toBe(true);
    expect(run.stdout).toBe("<h1>Hi &amp; bye</h1><ul><li>1</li><li>2</li><li>3</li></ul>\n");
    expect(served.get("/bundle.zip")).toBe("br");
    expect(served.get("/python_stdlib.zip")).toBe("br");
    expect([...served.keys()].some((p) => p.endsWith(".br") || p.endsWith(".gz"))).toBe(false);
  });

  it("fetches a sidecar itself from a server that compresses nothing", async () => {
    const served: string[] = [];
    const run = await host.runBundle(out, 120_000, { server: { onRequest: (p) => served.push(p) } });
    expect(run.outcome.ok).toBe(true);
    expect(served).toContain("/bundle.zip");
    expect(served.filter((p) => p === "/bundle.zip.br" || p === "/bundle.zip.gz")).toHaveLength(1);
  });

  it("takes a sidecar as it comes from a server that sends it as an encoding of itself (sirv, Vite's preview)", async () => {
    const served: string[] = [];
    const run = await host.runBundle(out, 120_000, { server: { sidecarsEncoded: true, onRequest: (p) => served.push(p) } });
    expect(run.outcome.ok).toBe(true);
    expect(run.stdout).toBe("<h1>Hi &amp; bye</h1><ul><li>1</li><li>2</li><li>3</li></ul>\n");
    expect(served.filter((p) => p === "/bundle.zip.br" || p === "/bundle.zip.gz")).toHaveLength(1);
  });
});
