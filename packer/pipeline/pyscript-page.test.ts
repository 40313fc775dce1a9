import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../fixtures/temp.ts";
import { readPyScriptPage } from "./pyscript-page.ts";

/** Where @pyscript/core is installed (the repo's devDependency). */
const REPO_CWD = process.cwd();
const CORE = '<script type="module" src="https://pyscript.net/releases/2025.11.2/core.js"></script>';

function page(html: string, files: Record<string, string> = {}, dir = tempDir("pyscript-page")): string {
  writeFileSync(join(dir, "index.html"), html);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return join(dir, "index.html");
}

describe("readPyScriptPage", () => {
  it("reads inline scripts as PyScript does (dedented; <py-script> HTML-decoded), and a TOML <py-config>'s packages", () => {
    const path = page(`${CORE}\n<py-config>\n  packages = ["mpmath", "six>=1"]\n  [files]\n  "a.csv" = ""\n</py-config>\n<script type="py">\n    import mpmath\n    if 1 < 2:\n        print(mpmath.pi)\n</script>\n<py-script>print(1 &lt; 2)</py-script>\n`);
    const read = readPyScriptPage(path, REPO_CWD);
    expect(read.packages).toEqual(["mpmath", "six>=1"]);
    expect(read.sources).toEqual([
      { where: "inline script 1", code: "import mpmath\nif 1 < 2:\n    print(mpmath.pi)\n" },
      { where: "inline script 2", code: "print(1 < 2)\n" },
    ]);
    expect(read.pyodide).toBe("314");
    // The config moves onto the first script, without its packages, the interpreter the bundle.
    expect(read.html).not.toContain("py-config");
    expect(read.html).toContain(`<script type="py" config='{"files":{"a.csv":""},"interpreter":"./loader.mjs"}'>`);
    expect(read.html).toContain('src="./pyscript/core.js"');
  });

  it("reads a config file named by the script, and the Pyodide a pinned interpreter names", () => {
    const path = page(`${CORE}<script type="py" src="main.py" config="pyscript.toml"></script>`, {
      "main.py": "print('hi')\n",
      "pyscript.toml": 'interpreter = "https://cdn.jsdelivr.net/pyodide/v0.29.3/full/pyodide.mjs"\npackages = ["six"]\n',
    });
    const read = readPyScriptPage(path, REPO_CWD);
    expect(read.pyodide).toBe("0.29");
    expect(read.packages).toEqual(["six"]);
    expect(read.sources).toEqual([{ where: "main.py", code: "print('hi')\n" }]);
    expect(read.html).toContain(`<script type="py" src="main.py" config='{"interpreter":"./loader.mjs"}'></script>`);
  });

  it("says in one note that MicroPython scripts are left as they are", () => {
    const read = readPyScriptPage(page(`${CORE}<script type="mpy">print(1)</script><script type="py">print(2)</script>`), REPO_CWD);
    expect(read.notes).toEqual(['1 MicroPython script (type="mpy") left as it is: pack packs Pyodide\'s']);
  });

  it("tells a page that loads PyScript from a CDN where no @pyscript/core is installed what to install", () => {
    const dir = tempDir("pyscript-none");
    expect(() => readPyScriptPage(page(`${CORE}<script type="py">print(1)</script>`, {}, dir), dir)).toThrow(
      /loads PyScript from https:\/\/pyscript\.net\/releases\/2025\.11\.2\/core\.js: pack serves PyScript from your project's @pyscript\/core, which is not installed; npm i -D @pyscript\/core@0\.7\.x$/,
    );
  });

  it("refuses a @pyscript/core outside the range it supports, naming both", () => {
    const dir = tempDir("pyscript-old");
    mkdirSync(join(dir, "node_modules", "@pyscript", "core", "dist"), { recursive: true });
    writeFileSync(join(dir, "node_modules", "@pyscript", "core", "package.json"), JSON.stringify({ name: "@pyscript/core", version: "0.6.7" }));
    expect(() => readPyScriptPage(page(`${CORE}<script type="py">print(1)</script>`, {}, dir), dir)).toThrow(/your project's @pyscript\/core is 0\.6\.7, and pack supports 0\.7\.x; npm i -D @pyscript\/core@0\.7\.x$/);
  });
});

describe("finding PyScript", () => {
  it("knows PyScript's core.js by a module script's src or a module's import, not inside a comment", () => {
    const loads = (html: string) => readPyScriptPage(page(`${html}<script type="py">print(1)</script>`), REPO_CWD).html.includes("./pyscript/core.js");
    expect(loads(CORE)).toBe(true);
    expect(loads(`<script type="module">import "./pyscript/core.js";</script>`)).toBe(true);
    expect(() => loads(`<!-- ${CORE} --><script type="module" src="./app.js"></script>`)).toThrow(/it loads no PyScript/);
  });
});


describe("a bundler's page", () => {
  it("names PyScript's folder and the interpreter where the build put them, in the text the bundler gives", () => {
    const path = page(`<link rel="stylesheet" href="https://pyscript.net/releases/2025.11.2/core.css">${CORE}<script type="py">print(1)</script>`);
    const targets = { pyscript: "/app/assets/pyscript-1a2b3c4d/", interpreter: "/app/assets/pyscript-interpreter.5e6f7a8b.mjs" };
    const html = readPyScriptPage(path, REPO_CWD, { ...targets, html: `<!-- by the bundler -->${readFileSync(path, "utf8")}` }).html;
    expect(html).toBe(
      '<!-- by the bundler --><link rel="stylesheet" href="/app/assets/pyscript-1a2b3c4d/core.css"><script type="module" src="/app/assets/pyscript-1a2b3c4d/core.js"></script>' +
        `<script type="py" config='{"interpreter":"/app/assets/pyscript-interpreter.5e6f7a8b.mjs"}'>print(1)</script>`,
    );
  });
});
