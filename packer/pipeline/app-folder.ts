import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, statSync, type Stats } from "node:fs";
import { join, relative, sep } from "node:path";
import { globSource } from "../../analyzers/globs.ts";
import { PackError } from "../../runtime/host/errors.ts";

/**
 * What pack stages beside the app before it stops and asks for a smaller folder: an app
 * in a home folder or a web project's root would otherwise read everything below it.
 */
export const APP_FOLDER_LIMITS = { files: 5000, bytes: 200_000_000 };

/** Folders that are never the app's: dependencies, caches, build output. */
const SKIPPED_DIRS = new Set(["node_modules", "__pycache__", "pack-dist", "dist", "build", "venv", ".venv"]);

/** Pack's own temporary folders in a shared parent: mkdtemp's names for the work dir, the Chromium profile, tests' folders. */
const OWN_TEMP = /^pyodide-packer-(?:chromium-|test-[\w-]+-)?[A-Za-z0-9]{6}$/;

/** One .gitignore line, as a test on a path relative to the app folder. */
interface IgnoreRule {
  negate: boolean;
  dirOnly: boolean;
  test: RegExp;
}

/** The rules of a .gitignore in folder base (relative to the app folder, "" for its root). */
function readIgnore(file: string, base: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of readFileSync(file, "utf8").split(/\r?\n/)) {
    let line = raw.replace(/(?<!\\)\s+$/, "");
    if (!line || line.startsWith("#")) continue;
    const negate = line.startsWith("!");
    if (negate) line = line.slice(1);
    const dirOnly = line.endsWith("/");
    if (dirOnly) line = line.slice(0, -1);
    // A pattern with a slash before its end is relative to its .gitignore; one without
    // matches a name at any depth below it.
    const anchored = line.includes("/");
    if (line.startsWith("/")) line = line.slice(1);
    const prefix = base ? `${globSource(base)}/` : "";
    rules.push({ negate, dirOnly, test: new RegExp(`^${prefix}${anchored ? "" : "(?:.*/)?"}${globSource(line)}$`) });
  }
  return rules;
}

function ignored(rules: readonly IgnoreRule[], path: string, isDir: boolean): boolean {
  let result = false;
  for (const rule of rules) if ((isDir || !rule.dirOnly) && rule.test.test(path)) result = !rule.negate;
  return result;
}

/** A folder a previous pack wrote (whatever --out named it). */
function isPackOutput(dir: string): boolean {
  return existsSync(join(dir, "manifest.json")) && existsSync(join(dir, "loader.mjs"));
}

/** What a path that vanishes mid-walk (deleted meanwhile, a dangling link) gives: undefined. */
function orNothing<T>(read: (path: string) => T, path: string): T | undefined {
  try {
    return read(path);
  } catch {
    return undefined;
  }
}

/** A file the walk found: its path relative to the app folder, and on disk. */
export interface AppFile {
  path: string;
  full: string;
}

/**
 * The app folder's files: hidden files, dependency and build folders, .gitignore'd
 * paths, pack's own temporary folders and earlier outputs left out; symlinks followed
 * only to files inside the folder; a file that vanishes mid-walk is skipped. Over
 * APP_FOLDER_LIMITS it stops before reading anything, naming the fix. With only (path
 * tests, from `files` globs), a file ships when one of them takes its relative path.
 */
export function listAppFolder(appDir: string, outDir: string, limits = APP_FOLDER_LIMITS, only?: (path: string) => boolean): AppFile[] {
  const top = realpathSync(appDir);
  const inside = (real: string) => real === top || real.startsWith(top + sep);
  const found: AppFile[] = [];
  let bytes = 0;
  const walk = (dir: string, rules: readonly IgnoreRule[]) => {
    const rel = relative(appDir, dir).split(sep).join("/");
    const gitignore = join(dir, ".gitignore");
    const here = existsSync(gitignore) ? [...rules, ...readIgnore(gitignore, rel)] : rules;
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of names) {
      if (name.startsWith(".") || OWN_TEMP.test(name)) continue;
      const full = join(dir, name);
      if (full === outDir) continue;
      let stat = orNothing<Stats>(lstatSync, full);
      if (stat?.isSymbolicLink()) {
        // A link to a file inside the folder ships as that file; a linked folder would
        // only repeat (or loop over) what the walk already sees.
        const target = orNothing((p) => realpathSync(p), full);
        stat = target !== undefined && inside(target) ? orNothing<Stats>(statSync, full) : undefined;
        if (stat?.isDirectory()) continue;
      }
      if (!stat) continue;
      const path = rel ? `${rel}/${name}` : name;
      if (stat.isDirectory()) {
        if (!SKIPPED_DIRS.has(name) && !ignored(here, path, true) && !isPackOutput(full)) walk(full, here);
      } else if (stat.isFile() && !ignored(here, path, false) && (only === undefined || only(path))) {
        found.push({ path, full });
        bytes += stat.size;
        if (found.length > limits.files || bytes > limits.bytes) {
          throw new PackError("APP_FOLDER_TOO_LARGE", { path: appDir, files: found.length, bytes, limits });
        }
      }
    }
  };
  walk(appDir, []);
  return found;
}

/** The listed files' bytes by FS path under root; one deleted since the walk is skipped. */
export function readAppFolder(found: readonly AppFile[], root: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const { path, full } of found) {
    try {
      files.set(`${root}/${path}`, new Uint8Array(readFileSync(full)));
    } catch {
      // Deleted since the walk: as if it had never been there.
    }
  }
  return files;
}
