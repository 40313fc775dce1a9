import { mkdirSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../fixtures/temp.ts";
import { resolveRequest, startServer, type StaticServer } from "./server.ts";

/** A raw GET: fetch would normalise the ".." away before sending it. */
function get(url: string, path: string): Promise<{ status: number; body: string; cacheControl?: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((done, fail) => {
    const req = request({ hostname, port, path, method: "GET" }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => done({ status: res.statusCode ?? 0, body, cacheControl: res.headers["cache-control"] }));
    });
    req.on("error", fail);
    req.end();
  });
}

describe("static server", () => {
  let server: StaticServer;
  let root: string;
  beforeAll(async () => {
    const base = tempDir("srv");
    root = join(base, "served");
    mkdirSync(root);
    writeFileSync(join(root, "index.html"), "hello");
    writeFileSync(join(base, "secret.txt"), "secret");
    server = await startServer({ "/": root });
  });
  afterAll(() => server.close());

  it("binds to 127.0.0.1 only", () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("serves its folder and index.html for /", async () => {
    expect(await get(server.url, "/")).toMatchObject({ status: 200, body: "hello", cacheControl: "no-store" });
  });

  it.each(["/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt", "/..%2fsecret.txt", "/%252e%252e/secret.txt", "/a/..\\..\\secret.txt", "/%00"])(
    "refuses traversal %s",
    async (path) => {
      const response = await get(server.url, path);
      expect(response.status).toBe(404);
      expect(response.body).not.toContain("secret");
    },
  );

  it("answers a path through a file (a sidecar of a file mounted alone) with a 404", async () => {
    const alone = await startServer({ "/single.txt": join(root, "index.html") });
    try {
      expect((await get(alone.url, "/single.txt")).status).toBe(200);
      expect((await get(alone.url, "/single.txt.gz")).status).toBe(404);
    } finally {
      await alone.close();
    }
  });

  it("resolves only inside a mount", () => {
    expect(resolveRequest({ "/pyodide/": root }, "/pyodide/index.html")).toBe(join(root, "index.html"));
    expect(resolveRequest({ "/pyodide/": root }, "/other/index.html")).toBeUndefined();
  });

  it("lets a browser keep only the paths it is told are immutable", async () => {
    const keeping = await startServer({ "/": root }, { immutable: new Set(["/index.html"]) });
    try {
      expect((await get(keeping.url, "/index.html")).cacheControl).toBe("max-age=31536000, immutable");
      expect((await get(keeping.url, "/")).cacheControl).toBe("no-store");
    } finally {
      await keeping.close();
    }
  });

  it("listens on the port asked for when it is free, on another when it is taken", async () => {
    const port = Number(new URL(server.url).port);
    const second = await startServer({ "/": root }, { port });
    expect(Number(new URL(second.url).port)).not.toBe(port);
    const again = Number(new URL(second.url).port);
    await second.close();
    const third = await startServer({ "/": root }, { port: again });
    expect(third.url).toBe(second.url);
    expect((await get(third.url, "/")).body).toBe("hello");
    await third.close();
  });
});
