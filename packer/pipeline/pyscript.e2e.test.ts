// PyScript pages (`pack index.html`): traced as PyScript runs them in Chromium, with
// PyScript from the project's @pyscript/core (or the page's own copy), written as the same
// page booting the bundle, and validated by opening that page.
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { packCli, readTree } from "../../fixtures/e2e-helpers.ts";
import { FIXTURES, REPO, WHEELS_PURE } from "../../fixtures/paths.ts";
import { tempDir } from "../../fixtures/temp.ts";
import { ChromiumHost } from "../../runtime/host/chromium-host.ts";
import { readStoredZip } from "../../runtime/page/loader.mjs";

const PAGES = join(FIXTURES, "pyscript");
const PYSCRIPT_DIST = join(dirname(createRequire(join(REPO, "noop.js")).resolve("@pyscript/core/package.json")), "dist");

/** The page's config as the output ships it. */
function shippedConfig(out: string): Record<string, unknown> {
  const page = readFileSync(join(out, "index.html"), "utf8");
  return JSON.parse(/config='([^']*)'/.exec(page)![1]!.replace(/&#39;/g, "'").replace(/&amp;/g, "&")) as Record<string, unknown>;
}

/** Opens a packed page as a visitor would, from a plain static server, with nothing else reachable. */
async function visit(out: string, scenarios: string[] = []) {
  const host = new ChromiumHost();
  try {
    return await host.runBundle(out, 120_000, { pageScenarios: scenarios });
  } finally {
    await host.close();
  }
}

describe("a PyScript page", () => {
  let hello: Awaited<ReturnType<typeof packCli>>;
  beforeAll(async () => {
    hello = await packCli([join(PAGES, "hello", "index.html")]);
  });

  it("with PyScript from a CDN and files in its config packs on Pyodide 314, with PyScript self-hosted and the interpreter the bundle", () => {
    expect(hello.errors).toEqual([]);
    expect(hello.code).toBe(0);
    const report = hello.report();
    expect(report.pyodide.version).toMatch(/^314\./);
    expect(report.validation).toMatchObject({ ok: true, stdout: "3 points, mean x 3.0\n" });
    const page = readFileSync(join(hello.out, "index.html"), "utf8");
    expect(page).toContain('<script type="module" src="./pyscript/core.js"></script>');
    expect(page).toContain('<link rel="stylesheet" href="./pyscript/core.css">');
    expect(page).not.toContain("pyscript.net");
    expect(shippedConfig(hello.out)).toEqual({ files: { "points.csv": "" }, interpreter: "./loader.mjs" });
    // PyScript's files ship as the page loaded them, source maps and unused chunks left out.
    const names = report.assets.files.map((f) => f.name);
    expect(names).toContain("pyscript/core.js");
    expect(names).toContain("main.py");
    expect(names).toContain("points.csv");
    expect(names.filter((n) => n.endsWith(".map") || /codemirror|xterm|toml/.test(n))).toEqual([]);
    expect(report.assets.external).toEqual([]);
    // Counted in what the page downloads before its first result, as the loader is.
    expect(report.pyscript).toMatchObject({ folder: "pyscript", files: expect.arrayContaining(["pyscript/core.js", "pyscript/core.css"]) });
    expect(report.pyscript!.brotli).toBe(report.assets.files.filter((f) => f.name.startsWith("pyscript/")).reduce((n, f) => n + f.brotli, 0));
    expect(hello.stdout).toMatch(/^pyscript: \d+ files of PyScript the page loaded, served from \.\/pyscript\/, [\d.]+ kB brotli; counted in the page's budget/m);
    // The page's folder is not the file system: points.csv reaches it as PyScript fetches it, not in the bundle too.
    const manifest = JSON.parse(readFileSync(join(hello.out, "manifest.json"), "utf8")) as { bundle: string };
    const bundled = readStoredZip(readTree(hello.out).get(manifest.bundle)!).map((e: { name: string }) => e.name);
    expect(bundled.filter((p: string) => p.startsWith("home/pyodide/"))).toEqual([]);
  });

  it("opened from a plain static server, shows what the traced page showed and requests nothing but its own files", async () => {
    const run = await visit(hello.out);
    expect(run.outcome).toEqual({ ok: true, exitCode: 0 });
    expect(run.stdout).toBe("3 points, mean x 3.0\n");
    expect(run.page).toContain("median x 3.0");
    expect(run.page).toContain("done");
    const paths = run.requests!.map((q) => q.path);
    expect(paths.every((p) => p !== undefined && existsSync(join(hello.out, p)))).toBe(true);
  });

  it("with packages in a <py-config> and click handlers (py-click, @when) driven by a scenario: the bundle holds the package, the page installs nothing", async () => {
    const dir = join(PAGES, "digits");
    const r = await packCli([join(dir, "index.html"), "--find-links", WHEELS_PURE, "--scenario", join(dir, "click.mjs")]);
    expect(r.errors).toEqual([]);
    expect(r.code).toBe(0);
    const report = r.report();
    expect(report.packages.map((p) => p.name)).toEqual(["mpmath"]);
    expect(report.validation).toMatchObject({ ok: true, stdout: "ready\n" });
    expect(shippedConfig(r.out)).toEqual({ interpreter: "./loader.mjs" });
    const manifest = JSON.parse(readFileSync(join(r.out, "manifest.json"), "utf8")) as { bundle: string };
    const bundled = readStoredZip(readTree(r.out).get(manifest.bundle)!).map((e: { name: string }) => e.name);
    expect(bundled.some((p) => p.includes("/mpmath/"))).toBe(true);
    expect(bundled.some((p) => p.includes("/micropip/"))).toBe(false);
    const run = await visit(r.out, [join(dir, "click.mjs")]);
    expect(run.scenarios?.map((s) => [s.outcome.ok, s.stdout])).toEqual([[true, "pi = 3.14159265358979323846264338328\nsqrt(2) = 1.41421356237309504880168872421\n"]]);
    expect(run.requests!.filter((q) => /micropip|\.whl|pyodide_graph/.test(q.url))).toEqual([]);
  });

  it("PyScript's own multi.html, self-hosted (./pyscript/), packs from its own copy of PyScript and leaves its MicroPython script as it is", async () => {
    const dir = tempDir("pyscript-multi");
    cpSync(join(PAGES, "multi", "index.html"), join(dir, "index.html"));
    cpSync(PYSCRIPT_DIST, join(dir, "pyscript"), { recursive: true });
    const r = await packCli([join(dir, "index.html")]);
    expect(r.code).toBe(0);
    expect(r.errors).toEqual(['pack: warning: 1 MicroPython script (type="mpy") left as it is: pack packs Pyodide\'s']);
    const page = readFileSync(join(r.out, "index.html"), "utf8");
    expect(page).toContain('<script type="module" src="./pyscript/core.js"></script>');
    expect(page).toContain('<script type="mpy">');
    expect(shippedConfig(r.out)).toEqual({ interpreter: "./loader.mjs" });
    // MicroPython would come from its CDN: listed, not copied; the Pyodide script ran all the same.
    expect(r.report().assets.external.map((e) => e.host)).toEqual(["cdn.jsdelivr.net"]);
    expect(r.report().pyscript?.files).toContain("pyscript/core.js");
    const run = await visit(r.out);
    expect(run.outcome).toEqual({ ok: true, exitCode: 0 });
    expect(run.page).toMatch(/^3\.1[34]\.\d+ \(main/m);
  });
});

describe("PyScript's own test pages", () => {
  it("async.html, unchanged (a <py-script> and a script that await asyncio.sleep): PyScript from the project, validated", async () => {
    const r = await packCli([join(PAGES, "async", "index.html")]);
    expect(r.errors).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.report().validation).toMatchObject({ ok: true, stdout: "py-script sleep\nscript-py sleep\npy-script done\nscript-py done\n" });
    expect(readFileSync(join(r.out, "index.html"), "utf8")).toContain('<script type="module" src="./pyscript/core.js"></script>');
  });
});

describe("a PyScript page pack cannot pack says why in one line, exit 2, nothing written", () => {
  function page(html: string, files: Record<string, string> = {}) {
    const dir = tempDir("pyscript-bad");
    writeFileSync(join(dir, "index.html"), html);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return join(dir, "index.html");
  }
  const CORE = '<script type="module" src="https://pyscript.net/releases/2025.11.2/core.js"></script>';

  it.each([
    ["no PyScript", '<script type="module" src="./app.js"></script>', /^pack: cannot pack the PyScript page .*index\.html: it loads no PyScript/],
    ["a script in a worker", `${CORE}<script type="py" worker>print(1)</script>`, /runs in a worker \(the worker attribute\), which pack does not pack yet/],
    ["two configs", `${CORE}<py-config>packages = []</py-config><script type="py" config="a.toml">print(1)</script>`, /more than one PyScript config/],
    ["a wheel by URL", `${CORE}<script type="py" config='{"packages": ["https://example.com/x-1.0-py3-none-any.whl"]}'>print(1)</script>`, /installs https:\/\/example\.com\/x-1\.0-py3-none-any\.whl by URL or path; put the wheel in a --find-links folder/],
    ["a config that does not parse", `${CORE}<py-config>packages = [</py-config><script type="py">print(1)</script>`, /its PyScript config does not parse/],
  ])("%s", async (_, html, line) => {
    const r = await packCli([page(html)]);
    expect(r.code).toBe(2);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(line);
    expect(existsSync(r.out)).toBe(false);
  });

  it("on the node runner", async () => {
    const r = await packCli([page(`${CORE}<script type="py">print(1)</script>`), "--runner", "node"]);
    expect(r.code).toBe(2);
    expect(r.errors[0]).toMatch(/is a PyScript page, which only --runner chromium loads/);
  });
});
