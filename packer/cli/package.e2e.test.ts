// The package as users get it: the tarball `npm pack` writes from this tree (its prepack
// builds dist/), installed into a fresh project beside pyodide as the README's "Use"
// section says, then `npx pack app.py` there with real Chromium. Also lints the tarball
// (publint, arethetypeswrong) and compiles a TypeScript consumer of its types.
import { execFile } from "node:child_process";
import { appendFileSync, copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { APPS, REPO } from "../../fixtures/paths.ts";
import { tempDir } from "../../fixtures/temp.ts";
import { kB } from "../report/format.ts";

const run = promisify(execFile);

/**
 * The tarball's budget: what `npm i pyodide-packer` downloads and unpacks (209.4 kB packed
 * at 2026-12-02, with the built loader in dist/assets; 220.5 kB at 2026-12-03, with lazy
 * asyncio; 229.8 kB at 2026-12-06, with the runtime's wasm split: ~10 kB of package for
 * 590–1,120 kB less runtime per page; 239.0 kB packed, 1,017 kB unpacked later that day,
 * with the fallback in chunks: 9 kB of package for a missed branch that fetches 10 kB
 * instead of 2,750 kB; 248.5 kB packed, 1,049.2 kB unpacked with PyScript pages, whose
 * page reading, interpreter module and docs left no room for the next feature; 257.8 kB
 * packed, 1,086.7 kB unpacked with the plugins' PyScript pages and the runtime's data by
 * need: ~9 kB packed for 380–400 kB less runtime per page).
 */
const BUDGET = { packed: 270_000, unpacked: 1_120_000 };

/** The environment without npm's own variables, as a user's shell has it. */
const userEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));

async function sh(command: string, args: string[], cwd: string) {
  try {
    return await run(command, args, { cwd, env: userEnv, maxBuffer: 64 << 20 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(" ")} failed in ${cwd}:\n${e.stdout ?? ""}\n${e.stderr ?? e.message}`);
  }
}

interface PackInfo {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string }[];
}

/** Packages under node_modules that would run a script when installed. */
function installScripts(nodeModules: string): string[] {
  const found: string[] = [];
  const visit = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (name.startsWith(".")) continue;
      const path = join(dir, name);
      if (name.startsWith("@")) {
        visit(path);
        continue;
      }
      const manifest = join(path, "package.json");
      if (existsSync(manifest)) {
        const scripts = (JSON.parse(readFileSync(manifest, "utf8")) as { scripts?: Record<string, string> }).scripts ?? {};
        // npm runs `node-gyp rebuild` for a binding.gyp even without an install script.
        const lifecycle = ["preinstall", "install", "postinstall"].filter((s) => scripts[s]);
        if (lifecycle.length > 0 || existsSync(join(path, "binding.gyp"))) found.push(`${name} (${lifecycle.join(", ") || "binding.gyp"})`);
      }
      if (existsSync(join(path, "node_modules"))) visit(join(path, "node_modules"));
    }
  };
  visit(nodeModules);
  return found.sort();
}

describe("the published package", () => {
  it("builds on npm pack, installs with no install script, and its pack command writes a validated bundle", async () => {
    const work = tempDir("package");
    const { stdout } = await sh("npm", ["pack", "--json", "--pack-destination", work], REPO);
    const info = (JSON.parse(stdout) as PackInfo[])[0]!;
    // npm pack built the checkout: its bin runs as `npx pack` there.
    expect(statSync(join(REPO, "dist/packer/cli/bin.js")).mode & 0o111).toBe(0o111);
    const files = info.files.map((f) => f.path);
    for (const needed of ["dist/packer/cli/bin.js", "dist/index.d.ts", "dist/loader.d.mts", "dist/vite.d.ts", "dist/packer/plugins/webpack.js", "dist/grammars/tree-sitter-python.wasm", "runtime/page/loader.mjs", "runtime/worker/compiler.py", "CHANGELOG.md"]) {
      expect(files, needed).toContain(needed);
    }
    // Tests, fixtures, source maps and the per-file declarations stay home.
    expect(files.filter((f) => /\.test\.|^fixtures\/|^benchmarks\/|\.map$|^dist\/.+\/.*\.d\.m?ts$/.test(f))).toEqual([]);
    const summary = `package: ${info.filename}, ${files.length} files, ${kB(info.size)} kB packed (budget ${kB(BUDGET.packed)} kB), ${kB(info.unpackedSize)} kB unpacked (budget ${kB(BUDGET.unpacked)} kB)`;
    console.log(summary);
    if (process.env.PYODIDE_PACKER_PACKAGE_SUMMARY) appendFileSync(process.env.PYODIDE_PACKER_PACKAGE_SUMMARY, summary + "\n");
    expect(info.size).toBeLessThanOrEqual(BUDGET.packed);
    expect(info.unpackedSize).toBeLessThanOrEqual(BUDGET.unpacked);

    const tarball = join(work, info.filename);
    const bin = (name: string) => join(REPO, "node_modules", ".bin", name);
    expect((await sh(bin("publint"), [tarball], work)).stdout).toContain("All good!");
    // An ESM-only package: CommonJS and node10 resolution are out of scope (attw's esm-only
    // profile, which exits non-zero on any other problem).
    const attw = JSON.parse((await sh(bin("attw"), [tarball, "--profile", "esm-only", "--format", "json"], work)).stdout) as {
      problems?: Record<string, { resolutionKind?: string }[]>;
    };
    const problems = Object.values(attw.problems ?? {}).flat();
    expect(problems.filter((p) => !["node10", "node16-cjs"].includes(p.resolutionKind ?? ""))).toEqual([]);

    // A fresh project, as a user makes one: `npm i -D pyodide-packer pyodide`.
    const project = join(work, "project");
    await sh("mkdir", [project], work);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "user-app", private: true, type: "module" }, null, 2));
    const pyodide = (JSON.parse(readFileSync(join(REPO, "node_modules", "pyodide", "package.json"), "utf8")) as { version: string }).version;
    await sh("npm", ["i", "-D", "--no-audit", "--no-fund", "--prefer-offline", tarball, `pyodide@${pyodide}`, "@types/node@20"], project);
    expect(installScripts(join(project, "node_modules"))).toEqual([]);
    expect(existsSync(join(project, "node_modules", "tree-sitter-python"))).toBe(false);

    // Checked first: without it, npx would fetch an unrelated "pack" from the registry.
    expect(existsSync(join(project, "node_modules", ".bin", "pack"))).toBe(true);
    expect((await sh("npx", ["pack", "--version"], project)).stdout).toBe(`${info.filename.match(/-(\d[^-]*)\.tgz$/)![1]}\n`);

    // The library's types, as a strict TypeScript project imports them.
    writeFileSync(
      join(project, "check.ts"),
      [
        'import { pack, REPORTERS, type PackOptions, type PackReport, type ReportView } from "pyodide-packer";',
        'import { loadBundle, runBundle, type Manifest } from "pyodide-packer/loader";',
        'const options: PackOptions = { app: "app.py", runner: "chromium" };',
        "const report: PackReport = (await pack(options)).report;",
        "const view: ReportView = { report, violations: [] };",
        "const text: string = REPORTERS.console!(view, { color: false });",
        "const { manifest }: { manifest: Manifest } = await loadBundle({ baseURL: \"pack-dist/\" });",
        "const ok: boolean = (await runBundle()).outcome.ok;",
        "export { text, manifest, ok };",
      ].join("\n"),
    );
    await sh(bin("tsc"), ["--noEmit", "--strict", "--module", "nodenext", "--target", "es2022", "--types", "node", "check.ts"], project);

    // The plugin entries import without their bundlers installed (this project has none).
    const plugins = await sh("node", ["--input-type=module", "-e", 'for (const b of ["vite", "webpack", "rollup", "esbuild"]) console.log(b, typeof (await import(`pyodide-packer/${b}`)).pyodidePacker);'], project);
    expect(plugins.stdout).toBe("vite function\nwebpack function\nrollup function\nesbuild function\n");

    copyFileSync(join(APPS, "hello", "app.py"), join(project, "app.py"));
    const packed = await sh("npx", ["pack", "app.py"], project);
    expect(packed.stdout).toMatch(/^wrote .*pack-dist \(validated in chromium\) in [\d.]+ s$/m);
    const report = JSON.parse(readFileSync(join(project, "pack-dist", "report.json"), "utf8")) as { validation: unknown };
    expect(report.validation).toMatchObject({ ok: true, skipped: false, outputMatches: true, stdout: '{"greeting": "hello", "parts": [" w", "hell", "rld"]}\n' });
  });
});
