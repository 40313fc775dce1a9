import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../fixtures/temp.ts";
import { listAppFolder, readAppFolder } from "./app-folder.ts";
import { isPackError } from "../../runtime/host/errors.ts";

function folder(files: Record<string, string>): string {
  const dir = tempDir("app-folder");
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const paths = (dir: string, out = join(dir, "pack-dist")) => listAppFolder(dir, out).map((f) => f.path);

describe("the app folder", () => {
  it("follows no symlink out of it, and a link to a file inside it", () => {
    const dir = folder({ "app.py": "", "data/a.txt": "a" });
    symlinkSync("/", join(dir, "root"));
    symlinkSync("/etc/hostname", join(dir, "host.txt"));
    symlinkSync(join(dir, "data", "a.txt"), join(dir, "alias.txt"));
    symlinkSync(join(dir, "data"), join(dir, "again")); // a linked folder: walked where it is
    symlinkSync(join(dir, "missing.txt"), join(dir, "dangling.txt"));
    expect(paths(dir)).toEqual(["alias.txt", "app.py", "data/a.txt"]);
  });

  it("skips a file deleted after the walk found it", () => {
    const dir = folder({ "app.py": "print(1)", "gone.txt": "x" });
    const found = listAppFolder(dir, join(dir, "out"));
    rmSync(join(dir, "gone.txt"));
    expect([...readAppFolder(found, "/home/pyodide").keys()]).toEqual(["/home/pyodide/app.py"]);
  });

  it("never reads an earlier output, whatever its name, or pack's own temporary folders", () => {
    const dir = folder({
      "app.py": "",
      "site/manifest.json": "{}",
      "site/loader.mjs": "",
      "pyodide-packer-chromium-a1B2c3/SingletonCookie": "",
      "pyodide-packer-xY9z0Q/stage/app.zip": "",
      "pyodide-packer-examples/demo.py": "",
      "out/x": "",
    });
    expect(paths(dir, join(dir, "out"))).toEqual(["app.py", "pyodide-packer-examples/demo.py"]);
  });

  it("leaves .gitignore'd paths out, nested files and negations included", () => {
    const dir = folder({
      ".gitignore": "*.log\n!keep.log\n/secret.txt\ncache/\n# a comment\n",
      "app.py": "",
      "a.log": "",
      "keep.log": "",
      "secret.txt": "",
      "sub/secret.txt": "",
      "sub/b.log": "",
      "cache/big.bin": "",
      "sub/cache/c.bin": "",
      "lib/.gitignore": "generated/*.py\n",
      "lib/generated/x.py": "",
      "lib/mod.py": "",
    });
    expect(paths(dir)).toEqual(["app.py", "keep.log", "lib/mod.py", "sub/secret.txt"]);
  });

  it("stops past its limit naming the folder and the fix, before reading a file", () => {
    const dir = folder(Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`f${i}.txt`, "x"])));
    let error: unknown;
    try {
      listAppFolder(dir, join(dir, "out"), { files: 10, bytes: 1e6 });
    } catch (e) {
      error = e;
    }
    expect(isPackError(error) && error.code).toBe("APP_FOLDER_TOO_LARGE");
    expect((error as Error).message).toBe(
      `the app folder ${dir} holds more than 10 files or 1 MB to stage beside the app (stopped at 11 files, 0.0 MB); pass --app-dir DIR with a folder that holds only the app's files, choose them with --files GLOB (config files), or list the rest in a .gitignore`,
    );
  });

  it("stages only what files globs take, and the limit counts only those", () => {
    const dir = folder({ "app.py": "", "data/a.csv": "a", "data/b.txt": "b", "notes/c.csv": "c", "big/x.bin": "x".repeat(100) });
    const only = (path: string) => /\.csv$/.test(path) || path === "app.py";
    expect(listAppFolder(dir, join(dir, "out"), { files: 3, bytes: 10 }, only).map((f) => f.path)).toEqual(["app.py", "data/a.csv", "notes/c.csv"]);
  });
});
