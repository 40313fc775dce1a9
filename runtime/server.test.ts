import { mkdirSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../fixtures/temp.ts";
import { resolveRequest, startServer, type StaticServer } from "./server.ts";

/** A raw GET: fetch would normalise the ".." away before sending it. */
function get(url: string, path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((done, fail) => {
    const req = request({ hostname, port, path, method: "GET" }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => done({ status: res.statusCode ?? 0, body }));
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
    expect(await get(server.url, "/")).toEqual({ status: 200, body: "hello" });
  });

  it.each(["/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt", "/..%2fsecret.txt", "/%252e%252e/secret.txt", "/a/..\\..\\secret.txt", "/%00"])(
    "refuses traversal %s",
    async (path) => {
      const response = await get(server.url, path);
      expect(response.status).toBe(404);
      expect(response.body).not.toContain("secret");
    },
  );

  it("resolves only inside a mount", () => {
    expect(resolveRequest({ "/pyodide/": root }, "/pyodide/index.html")).toBe(join(root, "index.html"));
    expect(resolveRequest({ "/pyodide/": root }, "/other/index.html")).toBeUndefined();
  });
});
