import { posix } from "node:path";
import { pathGlob } from "../../analyzers/globs.ts";
import type { PageRequest } from "../../runtime/host/host.ts";
import { PackError } from "../../runtime/host/errors.ts";

/** The page's own files: what the app fetched beside index.html during the trace. */
export interface PageAssets {
  /** Output-folder name ("data/points.csv") → bytes, copied beside index.html. */
  files: Map<string, Uint8Array>;
  /** How each file came in: fetched during the trace (and by what), or named by --include. */
  reasons: Map<string, string>;
  /** Requests to other origins: listed, never copied. */
  external: { url: string; host: string; via: string }[];
  /** Same-origin requests that failed during the trace (404 and the like). */
  failed: { url: string; status: number; via: string }[];
}

/** Names the output folder writes itself: an asset may not take one. */
const RESERVED = /^(?:index\.html|loader\.mjs|loader\/|pyodide\/|pyodide-adapter\.mjs|worker\.mjs|manifest\.json|bundle\.zip|python_stdlib\.zip|bodies\/|fallback\/|report\.(?:json|html))/;

/**
 * The page's assets from the requests its trace made. site maps each path under the page's
 * base ("data.csv") to its bytes; a request is an asset when it found one of them. include
 * globs with a "/" add site files by their path ("data/*.csv", "**\/*.json").
 */
export function pageAssets(requests: readonly PageRequest[], site: ReadonlyMap<string, Uint8Array>, include: readonly string[] = []): PageAssets {
  const assets: PageAssets = { files: new Map(), reasons: new Map(), external: [], failed: [] };
  const add = (name: string, reason: string) => {
    if (assets.files.has(name)) return;
    if (RESERVED.test(name) || name.endsWith(".br") || name.endsWith(".gz")) {
      throw new PackError("ASSET_CONFLICT", { name });
    }
    assets.files.set(name, site.get(name)!);
    assets.reasons.set(name, reason);
  };
  for (const request of requests) {
    if (request.path === undefined) {
      assets.external.push({ url: request.url, host: new URL(request.url).host, via: request.via });
      continue;
    }
    const name = posix.normalize(request.path).replace(/^\/+/, "");
    if (request.status >= 200 && request.status < 300 && site.has(name)) add(name, `fetched (${request.via})`);
    else if (request.status === 0 || request.status >= 400) assets.failed.push({ url: request.path, status: request.status, via: request.via });
  }
  const globs = include.filter((g) => g.includes("/")).map(pathGlob);
  for (const name of [...site.keys()].sort()) if (globs.some((re) => re.test(name))) add(name, "--include");
  assets.files = new Map([...assets.files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return assets;
}
