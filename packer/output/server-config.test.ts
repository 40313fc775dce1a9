import { describe, expect, it } from "vitest";
import { parseServerConfigKinds, serverConfigs } from "./server-config.ts";

describe("server configs", () => {
  it("reads the kinds, all, and refuses an unknown one", () => {
    expect(parseServerConfigKinds("nginx")).toEqual(["nginx"]);
    expect(parseServerConfigKinds("apache, nginx,apache")).toEqual(["apache", "nginx"]);
    expect(parseServerConfigKinds("all")).toEqual(["nginx", "netlify", "cloudflare", "apache"]);
    expect(parseServerConfigKinds("nginx,iis")).toBeUndefined();
    expect(parseServerConfigKinds("")).toBeUndefined();
  });

  it("writes one file per server; netlify and cloudflare share _headers", () => {
    expect([...serverConfigs(["nginx", "netlify", "cloudflare", "apache"]).keys()]).toEqual(["nginx.conf", "nginx-brotli.conf", "_headers", ".htaccess"]);
  });

  it("nginx: brotli_static only in its brotli variant; the immutable prefix cached for a year", () => {
    const files = serverConfigs(["nginx"], { immutable: "assets/" });
    expect(files.get("nginx.conf")).not.toContain("brotli_static");
    expect(files.get("nginx-brotli.conf")).toContain("brotli_static on;");
    for (const text of files.values()) {
      expect(text).toContain("application/wasm wasm;");
      expect(text).toContain("text/javascript js mjs;");
      expect(text).toMatch(/location \^~ \/assets\/ \{\n\s+add_header Cache-Control "public, max-age=31536000, immutable" always;/);
    }
    expect(serverConfigs(["nginx"]).get("nginx.conf")).not.toContain("immutable");
  });

  it("_headers sets Cache-Control once per path: under the immutable prefix for good, the pages revalidated", () => {
    const plain = serverConfigs(["netlify"]).get("_headers")!;
    expect(plain).toContain("/*\n  Access-Control-Allow-Origin: *\n/*\n  Cache-Control: no-cache");
    const hashed = serverConfigs(["netlify"], { immutable: "assets/" }).get("_headers")!;
    expect(hashed).toContain("/assets/*\n  Cache-Control: public, max-age=31536000, immutable");
    expect(hashed).not.toMatch(/^\/\*\n  Cache-Control/m);
  });
});
