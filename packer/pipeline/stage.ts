import { readFileSync, writeFileSync } from "node:fs";
import { basename, join, relative, sep } from "node:path";
import type { ResolvedPackage } from "../../analyzers/resolve.ts";
import type { PyodideDist } from "../../runtime/host/pyodide-dist.ts";
import { pathGlob } from "../../analyzers/globs.ts";
import { listAppFolder, readAppFolder } from "./app-folder.ts";
import { readZip, writeStoredZip } from "../../runtime/host/zip.ts";
import { APP_ROOT, type StagedInputs, type StagedPackage } from "../../analyzers/inputs.ts";

/** Maps a wheel entry to its install path: `.data/purelib|platlib/` contents go to the top. */
function installPath(pkg: ResolvedPackage, entry: string, sitePackages: string, dsoDir: string): string {
  if (pkg.installDir === "dynlib") return `${dsoDir}/${entry}`;
  const data = /^[^/]+\.data\/(?:purelib|platlib)\/(.+)$/.exec(entry);
  return `${sitePackages}/${data ? data[1] : entry}`;
}

/** Each package's files by the FS path it installs them at. */
export function stagePackages(dist: PyodideDist, packages: readonly ResolvedPackage[]): StagedPackage[] {
  const layout = dist.layout;
  return packages.map((pkg) => {
    const files = new Map<string, Uint8Array>();
    for (const [entry, data] of readZip(new Uint8Array(readFileSync(pkg.path)), pkg.path)) {
      files.set(installPath(pkg, entry, layout.sitePackages, layout.dsoDir), data);
    }
    return { pkg, files };
  });
}

export function stageInputs(
  dist: PyodideDist,
  packages: readonly ResolvedPackage[],
  app: { dir: string; main: string | { path: string; data: Uint8Array }; outDir: string; scenarios?: string[]; files?: string[] },
): StagedInputs {
  const layout = dist.layout;
  const staged = stagePackages(dist, packages);
  // `files` globs choose what ships beside the app; the app's main file always does.
  // A main pack writes (a PyScript page's) is staged beside the app folder's files.
  const main = typeof app.main === "string" ? { path: app.main } : app.main;
  const mainPath = relative(app.dir, main.path).split(sep).join("/");
  const globs = app.files?.map(pathGlob);
  const only = globs && ((path: string) => path === mainPath || globs.some((re) => re.test(path)));
  const appMap = readAppFolder(listAppFolder(app.dir, app.outDir, undefined, only), APP_ROOT);
  if ("data" in main) appMap.set(`${APP_ROOT}/${mainPath}`, main.data);
  const scenarioFiles = new Map<string, Uint8Array>();
  const scenarios = (app.scenarios ?? []).map((file, i) => {
    const inside = relative(app.dir, file);
    const path = inside.startsWith("..") ? `${APP_ROOT}/.pyodide-packer-scenarios/${i}-${basename(file)}` : `${APP_ROOT}/${inside.split(sep).join("/")}`;
    if (!appMap.has(path)) scenarioFiles.set(path, new Uint8Array(readFileSync(file)));
    return path;
  });
  return {
    packages: staged,
    stdlib: readZip(new Uint8Array(readFileSync(dist.stdlibZip)), dist.stdlibZip),
    stdlibMount: layout.stdlibZip,
    app: appMap,
    main: `${APP_ROOT}/${mainPath}`,
    scenarios,
    scenarioFiles,
  };
}

/** Stored zips the trace installs, one per package and one for the app, in install order. */
export function writeStageArchives(inputs: StagedInputs, dir: string): string[] {
  return [
    ...writePackageArchives(inputs.packages, dir, (p, i) => `${String(i).padStart(3, "0")}-${p.pkg.key}`),
    writeStageArchive(dir, "app", new Map([...inputs.app, ...inputs.scenarioFiles])),
  ];
}

/** One stored zip per package, named by name(p, i), in order: their paths. */
export function writePackageArchives(packages: readonly StagedPackage[], dir: string, name: (p: StagedPackage, i: number) => string): string[] {
  return packages.map((p, i) => writeStageArchive(dir, name(p, i), p.files));
}

function writeStageArchive(dir: string, name: string, files: ReadonlyMap<string, Uint8Array>): string {
  const path = join(dir, `${name}.zip`);
  writeFileSync(path, writeStoredZip(stripSlash(files)));
  return path;
}

/** Archive entry names are FS paths without the leading "/". */
export function stripSlash(files: ReadonlyMap<string, Uint8Array>): Map<string, Uint8Array> {
  return new Map([...files].map(([path, data]) => [path.replace(/^\/+/, ""), data]));
}
