import { createReadStream, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, resolve, sep } from "node:path";

/** The types a bundle's files are served with (module scripts and wasm refuse others). */
export const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".py": "text/plain; charset=utf-8",
  ".zip": "application/zip",
  ".whl": "application/zip",
};

/** URL prefix ("/pyodide/") → folder served under it. */
export type Mounts = Record<string, string>;

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

export interface ServerOptions {
  /** Serve X.br for X with Content-Encoding: br when the client accepts it (nginx brotli_static). */
  precompressed?: boolean;
  /**
   * Send a requested X.br or X.gz itself as X with Content-Encoding (as sirv, Vite's
   * preview server, does): the browser decodes it before the page sees it.
   */
  sidecarsEncoded?: boolean;
  /** Called with each request's path, the Content-Encoding sent and the bytes of the body. */
  onRequest?: (path: string, encoding: string | undefined, bytes: number) => void;
  /** Send Access-Control-Allow-Origin: *, as Pyodide's CDN does (a stand-in for it in tests). */
  cors?: boolean;
  /** Listen on this port when it is free (a browser keeps its caches per origin), else on any. */
  port?: number;
  /**
   * Request paths a browser may keep (Cache-Control: immutable); the caller vouches that
   * their bytes never change on this origin. Everything else is sent no-store.
   */
  immutable?: ReadonlySet<string>;
}

/**
 * The file a request path maps to, or undefined when it is outside every mount: decoded
 * once, no "..", no NUL, and the resolved path must stay inside the mount's folder.
 */
export function resolveRequest(mounts: Mounts, rawPath: string): string | undefined {
  let path: string;
  try {
    path = decodeURIComponent(rawPath.split("?")[0]!.split("#")[0]!);
  } catch {
    return undefined;
  }
  if (path.includes("\0") || path.includes("\\") || path.split("/").includes("..")) return undefined;
  const prefix = Object.keys(mounts)
    .filter((p) => path.startsWith(p))
    .sort((a, b) => b.length - a.length)[0];
  if (prefix === undefined) return undefined;
  const root = resolve(mounts[prefix]!);
  const file = resolve(join(root, path.slice(prefix.length)));
  if (file !== root && !file.startsWith(root + sep)) return undefined;
  return file;
}

/** Serves the mounts on 127.0.0.1 at a free port. */
/** A file's stat, or undefined where there is none (a path through a file is no error to a client: a 404). */
function statOf(file: string) {
  try {
    return statSync(file, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

export async function startServer(mounts: Mounts, options: ServerOptions = {}): Promise<StaticServer> {
  const server: Server = createServer((request, response) => {
    let file = resolveRequest(mounts, request.url ?? "/");
    let stat = file ? statOf(file) : undefined;
    if (file && stat?.isDirectory()) {
      file = join(file, "index.html");
      stat = statOf(file);
    }
    if (!file || !stat?.isFile() || (request.method !== "GET" && request.method !== "HEAD")) {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    let encoding: string | undefined;
    const sidecar = options.sidecarsEncoded ? /\.(br|gz)$/.exec(file) : null;
    if (sidecar) encoding = sidecar[1] === "br" ? "br" : "gzip";
    const type = CONTENT_TYPES[extname(sidecar ? file.slice(0, -sidecar[0].length) : file)] ?? "application/octet-stream";
    if (options.precompressed && /\bbr\b/.test(String(request.headers["accept-encoding"] ?? ""))) {
      const br = statOf(`${file}.br`);
      if (br?.isFile()) {
        file = `${file}.br`;
        stat = br;
        encoding = "br";
      }
    }
    options.onRequest?.(request.url ?? "/", encoding, stat.size);
    response.writeHead(200, {
      "content-type": type,
      "content-length": stat.size,
      "cache-control": options.immutable?.has(request.url ?? "") ? "max-age=31536000, immutable" : "no-store",
      ...(options.cors ? { "access-control-allow-origin": "*" } : {}),
      ...(encoding ? { "content-encoding": encoding, vary: "accept-encoding" } : {}),
    });
    if (request.method === "HEAD") response.end();
    else createReadStream(file).pipe(response);
  });
  const listen = (port: number) =>
    new Promise<void>((done, fail) => {
      server.once("error", fail);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", fail);
        done();
      });
    });
  await (options.port === undefined ? listen(0) : listen(options.port).catch(() => listen(0)));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
