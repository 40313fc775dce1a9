import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "../../fixtures/paths.ts";
import { tempDir } from "../../fixtures/temp.ts";
import { describe, expect, it } from "vitest";
import { main } from "./cli.ts";

/** Runs the CLI in-process and collects what it printed. */
async function run(argv: string[], cwd = tempDir("cli")) {
  let stdout = "";
  let stderr = "";
  const code = await main({
    argv,
    cwd,
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr };
}

describe("pack CLI usage", () => {
  it("prints help and exits 0", async () => {
    const r = await run(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: pack APP.py/);
    expect(r.stdout).toContain("Exit codes: 0 ok, 1 validation failed or budget exceeded, 2 usage, config, input or");
  });

  it.each([["--version"], ["-V"]])("%s prints the package's version and exits 0", async (flag) => {
    const { version } = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string };
    expect(await run([flag])).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
  });

  it.each([
    [[], "pack: missing APP.py (or PAGE.html); run pack --help for usage\n"],
    [["a.py", "b.py"], "pack: one app at a time, got a.py b.py; run pack --help for usage\n"],
    [["a.py", "--runner", "firefox"], "pack: --runner must be chromium or node, not firefox; run pack --help for usage\n"],
    [["a.py", "--timeout", "soon"], "pack: --timeout takes seconds > 0, not soon; run pack --help for usage\n"],
    [["a.py", "--server-config", "iis"], "pack: --server-config takes nginx, netlify, cloudflare, apache or all (comma-separated), not iis; run pack --help for usage\n"],
  ])("%j → exit 2 with one line", async (argv, line) => {
    const r = await run(argv);
    expect(r).toEqual({ code: 2, stdout: "", stderr: line });
  });

  it("names an unknown option", async () => {
    const r = await run(["app.py", "--frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^pack: Unknown option '--frobnicate'.*; run pack --help for usage\n$/);
  });

  it("names a missing app file", async () => {
    const cwd = tempDir("cli");
    const r = await run(["nope.py"], cwd);
    expect(r).toEqual({
      code: 2,
      stdout: "",
      stderr: `pack: app file not found: ${join(cwd, "nope.py")}; pass the path of the app's main .py file, or of a PyScript page\n`,
    });
  });

  it("refuses a Pyodide version it was not checked on", async () => {
    const cwd = tempDir("cli");
    writeFileSync(join(cwd, "app.py"), "print(1)\n");
    const old = join(cwd, "old-pyodide");
    mkdirSync(old);
    writeFileSync(join(old, "package.json"), JSON.stringify({ name: "pyodide", version: "0.26.4" }));
    writeFileSync(join(old, "pyodide.mjs"), "");
    const r = await run(["app.py", "--pyodide", "./old-pyodide"], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "pack: Pyodide 0.26.4 is not supported (checked on 0.29.3, 314.0.7); install pyodide@0.29.3 or pyodide@314 and pass --pyodide VERSION|DIR\n",
    );
  });

  it("names a Pyodide version that is not installed", async () => {
    const cwd = tempDir("cli");
    writeFileSync(join(cwd, "app.py"), "print(1)\n");
    const r = await run(["app.py", "--pyodide", "0.99.0"], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^pack: no Pyodide runtime "0.99.0" found \(looked in .*node_modules\); npm i -D pyodide, or pass --pyodide DIR\n$/);
  });

  it("names a bad config key and stops before tracing", async () => {
    const cwd = tempDir("cli");
    writeFileSync(join(cwd, "app.py"), "print(1)\n");
    writeFileSync(join(cwd, "pyproject.toml"), '[tool.pyodide-packer]\nrequire = ["numpy"]\n');
    const r = await run(["app.py"], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^pack: bad config in .*pyproject.toml \[tool.pyodide-packer\]: unknown key "require" \(known: requires, /);
  });
  it("stops at an app folder over its limit: one line, exit 2, nothing written", async () => {
    const cwd = tempDir("cli");
    writeFileSync(join(cwd, "app.py"), "print(1)\n");
    mkdirSync(join(cwd, "photos"));
    for (let i = 0; i < 5000; i++) writeFileSync(join(cwd, "photos", `${i}.jpg`), "");
    const r = await run(["app.py", "--runner", "node", "--pyodide", join(REPO, "node_modules", "pyodide"), "--out", "out", "-q"], cwd);
    expect(r).toEqual({
      code: 2,
      stdout: "",
      stderr: `pack: the app folder ${cwd} holds more than 5,000 files or 200 MB to stage beside the app (stopped at 5,001 files, 0.0 MB); pass --app-dir DIR with a folder that holds only the app's files, choose them with --files GLOB (config files), or list the rest in a .gitignore\n`,
    });
    expect(readdirSync(cwd).sort()).toEqual(["app.py", "photos"]);
  });

  it("wants --app-dir to hold the app", async () => {
    const cwd = tempDir("cli");
    writeFileSync(join(cwd, "app.py"), "print(1)\n");
    mkdirSync(join(cwd, "src"));
    const r = await run(["app.py", "--app-dir", "src"], cwd);
    expect(r).toEqual({ code: 2, stdout: "", stderr: `pack: --app-dir ${join(cwd, "src")} must hold the app ${join(cwd, "app.py")}; run pack --help for usage\n` });
  });
});

