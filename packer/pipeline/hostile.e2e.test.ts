// The hostile-input corpus (fixtures/hostile/): wheels that break one rule each are
// refused with one line, exit 2 and nothing written; apps that misbehave without being
// wrong (write files, print megabytes, use latin-1) pack without touching the machine.
// Apps that loop forever, exit non-zero or raise, and unsupported Pyodide versions are in
// pack.e2e.test.ts and anchor-apps.e2e.test.ts; traversal requests to the local server
// in runtime/server.test.ts.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { packCli } from "../../fixtures/e2e-helpers.ts";
import { makeHostileWheels } from "../../fixtures/hostile/make.mjs";
import { FIXTURES } from "../../fixtures/paths.ts";
import { tempDir } from "../../fixtures/temp.ts";
import { readStoredZip } from "../../runtime/page/loader.mjs";
import { readFileSync } from "node:fs";

const HOSTILE = join(FIXTURES, "hostile", "apps");
const usesPackage = join(HOSTILE, "uses-package", "app.py");

let wheels: Record<string, string>;
beforeAll(() => {
  wheels = makeHostileWheels(tempDir("hostile"));
});

describe("hostile wheels are refused before anything runs", () => {
  const whl = (name: string) => join(wheels[name]!, "victim-1.0-py3-none-any.whl");
  it.each([
    ["dotdot", (w: string) => `${w} holds an unsafe entry "victim/../../evil.py" (absolute or escaping its folder); refusing to unpack it`],
    ["absolute", (w: string) => `${w} holds an unsafe entry "/tmp/evil.py" (absolute or escaping its folder); refusing to unpack it`],
    ["symlink", (w: string) => `${w} holds a symlink "victim/passwd"; refusing to unpack it (rebuild the wheel without it)`],
    ["duplicate", (w: string) => `${w} holds a second entry named "victim/a.py"; refusing to unpack it (rebuild the wheel without it)`],
    ["truncated", (w: string) => `${w} is not a readable zip archive (no end of central directory; truncated?); download it again`],
    ["crc", (w: string) => `${w} is not a readable zip archive (entry victim/__init__.py fails its size or CRC-32 check); download it again`],
    ["bomb", (w: string) => `${w} would unpack "victim/zeros.bin" to 67108864 bytes (1025:1); refusing it as a possible zip bomb (check where the wheel came from)`],
  ])("%s", async (name, message) => {
    const r = await packCli([usesPackage, "--find-links", wheels[name]!]);
    expect(r.errors).toEqual([`pack: ${message(whl(name))}`]);
    expect(r.code).toBe(2);
    expect(readdirSync(r.parent)).toEqual([]);
  });

  it("a lock entry whose sha256 does not match", async () => {
    const r = await packCli([usesPackage, "--find-links", wheels["wrong-sha256"]!]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/^pack: sha256 of .*victim-1\.0-py3-none-any\.whl is [0-9a-f]{64}, the lock says [0-9a-f]{64}; delete it from the cache or fix the lock$/);
    expect(r.code).toBe(2);
    expect(readdirSync(r.parent)).toEqual([]);
  });
});

describe("odd but valid input packs", () => {
  it("a package module that does not parse is kept as it is, with a warning; a latin-1 module with its cookie still reads right", async () => {
    const r = await packCli([join(HOSTILE, "uses-tolerated", "app.py"), "--find-links", wheels.tolerated!, "--include", "victim.broken"]);
    expect(r.code).toBe(0);
    const report = r.report();
    expect(report.validation.stdout).toBe("café\n");
    expect(report.static.syntaxErrors).toEqual(["/lib/python3.13/site-packages/victim/broken.py"]);
    expect(r.stdout).toContain("warning: /lib/python3.13/site-packages/victim/broken.py does not parse; kept as it is");
    const bundle = readStoredZip(new Uint8Array(readFileSync(join(r.out, "bundle.zip"))));
    const broken = bundle.find((e) => e.name.endsWith("victim/broken.py"))!;
    expect(new TextDecoder().decode(broken.data)).toBe("def broken(:\n    pass\n");
  });

  it("an app in latin-1 with its coding cookie prints what Python would", async () => {
    const r = await packCli([join(HOSTILE, "non-utf8", "app.py")]);
    expect(r.code).toBe(0);
    expect(r.report().validation.stdout).toBe("café\n");
  });

  it("an app in latin-1 without a cookie is a syntax error, as in Python", async () => {
    const r = await packCli([join(HOSTILE, "non-utf8-no-cookie", "app.py")]);
    expect(r.errors).toEqual([
      "pack: syntax error in /home/pyodide/app.py:2: SyntaxError: (unicode error) 'utf-8' codec can't decode byte 0xe9 in position 3: unexpected end of data; fix the app and pack again",
    ]);
    expect(r.code).toBe(2);
    expect(readdirSync(r.parent)).toEqual([]);
  });

  it("an app that writes files writes them in Pyodide's memory only, and the bundle does not keep them", async () => {
    const dir = join(HOSTILE, "writes-files");
    const r = await packCli([join(dir, "app.py")]);
    expect(r.code).toBe(0);
    expect(r.report().validation.stdout).toBe("in the app folder True\n");
    expect(readdirSync(dir)).toEqual(["app.py"]);
    expect(existsSync("/tmp/pyodide-packer-hostile")).toBe(false);
    const bundle = readStoredZip(new Uint8Array(readFileSync(join(r.out, "bundle.zip")))).map((e) => e.name);
    expect(bundle).toEqual(["home/pyodide/app.py"]);
  });

  it("an app that prints 8 MB validates, and report.json keeps the first 64 KiB", async () => {
    const r = await packCli([join(HOSTILE, "prints-megabytes", "app.py")]);
    expect(r.code).toBe(0);
    const { validation } = r.report();
    expect(validation).toMatchObject({ ok: true, outputMatches: true, stdoutLength: 8 * 1024 * 1024 + "done\n".length });
    expect(validation.stdout).toHaveLength(64 * 1024);
  });
});
