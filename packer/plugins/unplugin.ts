import { existsSync, readFileSync, statSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { basename, extname, join, posix, resolve, sep } from "node:path";
import { createUnplugin, type UnpluginFactory } from "unplugin";
import { CONTENT_TYPES } from "../../runtime/host/server.ts";
import { isPackError } from "../../runtime/host/errors.ts";
import { shortHash } from "../output/bundle.ts";
import { serverConfigs } from "../output/server-config.ts";
import { readPyScriptPage, type PageTargets } from "../pipeline/pyscript-page.ts";
import { buildAssets } from "./build-assets.ts";
import { buildPack, type BuildPack, type PluginOptions } from "./build-pack.ts";
import { interpreterModule, VIRTUAL_ID, virtualModule } from "./virtual-module.ts";

export type { PluginOptions } from "./build-pack.ts";

const RESOLVED_ID = `\0${VIRTUAL_ID}`;
/** webpack reads "virtual:…" as a URL scheme, before any resolver: it asks for this name instead. */
const WEBPACK_ID = "pyodide-packer-virtual-module";
/** Where the dev server serves the pack's output, under its base. */
const DEV_PREFIX = "@pyodide-packer/";

const log = (line: string) => process.stderr.write(`pyodide-packer: ${line}\n`);

/** A pack's failure as the build's error: its one line, as `pack` prints it. */
function buildError(error: unknown): Error {
  if (isPackError(error)) return new Error(`pyodide-packer: ${error.message}`);
  return error instanceof Error ? new Error(`pyodide-packer: ${error.message}`, { cause: error }) : new Error(String(error));
}

const factory: UnpluginFactory<PluginOptions> = (options, meta) => {
  let cwd = process.cwd();
  let base: string | undefined = options.base;
  let assetsDir = options.assetsDir ?? "assets";
  let serving = false;
  let packed: Promise<BuildPack> | undefined;
  let code: string | undefined;
  /** What this build emitted: pack's bytes, which a minimizer must leave as they are (their sidecars hold the same). */
  const emitted = new Set<string>();
  /** A PyScript page's: where the build's page finds PyScript and the interpreter. */
  let pageTargets: PageTargets | undefined;
  const kinds = options.serverConfig === undefined ? [] : [options.serverConfig].flat();

  /** Packs (or reuses a pack) once per build; the dev server packs again when the app's files change. */
  const packOnce = () => (packed ??= buildPack(options, cwd, log).catch((error) => Promise.reject(buildError(error))));
  const baseExpression = () => (meta.framework === "webpack" ? "__webpack_public_path__" : JSON.stringify(base ?? "./"));

  return {
    name: "pyodide-packer",
    enforce: "pre",
    async buildStart() {
      packed = undefined;
      const result = await packOnce();
      const { page } = result;
      const pyscriptServed = page !== undefined && page.pyscript.size > 0;
      if (serving) {
        const served = `${base ?? "/"}${DEV_PREFIX}`;
        code = virtualModule(JSON.stringify(served), {});
        if (page) pageTargets = { pyscript: pyscriptServed ? `${served}${page.pyscriptFolder}/` : undefined, interpreter: `${served}loader.mjs` };
        return;
      }
      const { assets, moved } = buildAssets(result.outDir, result.report, assetsDir, page && { pyscriptServed });
      emitted.clear();
      const emit = (fileName: string, source: string | Uint8Array) => {
        emitted.add(fileName);
        this.emitFile({ type: "asset", fileName, source });
      };
      for (const asset of assets) emit(asset.fileName, asset.source);
      for (const [fileName, text] of serverConfigs(kinds, { immutable: `${assetsDir}/` })) this.emitFile({ type: "asset", fileName, source: text });
      code = virtualModule(baseExpression(), moved);
      if (page) {
        // The page boots the bundle through an interpreter module that knows the build's names.
        const source = interpreterModule(assetsDir, moved);
        const fileName = posix.join(assetsDir, `pyscript-interpreter.${shortHash(Buffer.from(source))}.mjs`);
        emit(fileName, source);
        const prefix = (meta.framework === "vite" ? base : options.base) ?? "./";
        pageTargets = { pyscript: pyscriptServed ? `${prefix}${moved[`${page.pyscriptFolder}/`]}` : undefined, interpreter: `${prefix}${fileName}` };
        // Vite writes the page it builds (transformIndexHtml below); the others have none: the page is one more asset.
        if (meta.framework !== "vite") emit(basename(page.path), readPyScriptPage(page.path, cwd, pageTargets).html);
      }
    },
    resolveId(id) {
      return id === VIRTUAL_ID || id === WEBPACK_ID ? RESOLVED_ID : undefined;
    },
    loadInclude(id) {
      return id === RESOLVED_ID;
    },
    async load(id) {
      if (id !== RESOLVED_ID) return undefined;
      const result = await packOnce();
      // A change to the app's files reruns the build (watch mode) and the pack with it.
      for (const file of result.watched) this.addWatchFile(file);
      return code;
    },
    webpack(compiler) {
      cwd = compiler.context;
      new compiler.webpack.NormalModuleReplacementPlugin(/^virtual:pyodide-packer$/, (resource: { request: string }) => {
        resource.request = WEBPACK_ID;
      }).apply(compiler);
      // webpack's production minimizer takes every .js asset: PyScript's modules (which it
      // cannot parse as scripts) and the loader, whose sidecars would then differ from it.
      const { Compilation } = compiler.webpack;
      compiler.hooks.thisCompilation.tap("pyodide-packer", (compilation) => {
        compilation.hooks.processAssets.tap({ name: "pyodide-packer", stage: Compilation.PROCESS_ASSETS_STAGE_ADDITIONS }, () => {
          for (const name of emitted) if (compilation.getAsset(name)) compilation.updateAsset(name, (source) => source, { minimized: true });
        });
      });
    },
    esbuild: {
      config(build) {
        cwd = build.absWorkingDir ?? cwd;
      },
    },
    vite: {
      configResolved(config) {
        cwd = config.root;
        base ??= config.base;
        assetsDir = options.assetsDir ?? config.build.assetsDir;
        serving = config.command === "serve";
      },
      transformIndexHtml: {
        // After Vite's own work on the page: what it left of PyScript's tags is rewritten.
        order: "post",
        async handler(html, context) {
          const result = await packOnce();
          if (!result.page || resolve(context.filename) !== result.page.path || !pageTargets) return html;
          return readPyScriptPage(result.page.path, cwd, { ...pageTargets, html }).html;
        },
      },
      configureServer(server) {
        server.middlewares.use((request, response, next) => {
          const prefix = `${base ?? "/"}${DEV_PREFIX}`;
          const path = request.url?.split("?")[0];
          if (!path?.startsWith(prefix) || !packed) return next();
          packed.then((result) => serveFile(response, result.outDir, decodeURIComponent(path.slice(prefix.length))), next);
        });
        server.watcher.on("change", (file) => {
          void packed?.then((result) => {
            if (!result.watched.includes(resolve(file))) return;
            log(`${file} changed: packing again`);
            packed = undefined;
            packOnce().then(
              () => {
                const module = server.moduleGraph.getModuleById(RESOLVED_ID);
                if (module) server.moduleGraph.invalidateModule(module);
                server.ws.send({ type: "full-reload" });
              },
              (error) => log(String((error as Error).message)),
            );
          });
        });
      },
    },
  };
};

/** A file of the pack's output, for the dev server: inside it only, with the types a module script and wasm need. */
function serveFile(response: ServerResponse, dir: string, path: string): void {
  const file = resolve(join(dir, path));
  if (!file.startsWith(resolve(dir) + sep) || !existsSync(file) || !statSync(file).isFile()) {
    response.statusCode = 404;
    response.end();
    return;
  }
  response.setHeader("Content-Type", CONTENT_TYPES[extname(file)] ?? "application/octet-stream");
  response.setHeader("Cache-Control", "no-cache");
  response.end(readFileSync(file));
}

/** One plugin for every bundler unplugin knows; pyodide-packer/vite, /webpack, /rollup and /esbuild export its forms. */
export const pyodidePackerPlugin = /* #__PURE__ */ createUnplugin(factory);
