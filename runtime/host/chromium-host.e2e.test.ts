// Jobs of one ChromiumHost share an origin, and the browser keeps the runtime's wasm and
// JS between them. What it keeps must be what the next job would have sent: a bundle
// with other runtime bytes is fetched afresh, from a new origin.
import { appendFileSync, cpSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packCli } from "../../fixtures/e2e-helpers.ts";
import { APPS } from "../../fixtures/paths.ts";
import { tempDir } from "../../fixtures/temp.ts";
import { ChromiumHost } from "./chromium-host.ts";

describe("ChromiumHost's kept runtime", () => {
  const host = new ChromiumHost();
  let bundle: string;
  beforeAll(async () => {
    const r = await packCli([join(APPS, "hello", "app.py"), "--runner", "node", "--no-validate"]);
    expect(r.errors).toEqual([]);
    bundle = r.out;
  });
  afterAll(() => host.close());

  const run = async (dir: string) => {
    const wasm: number[] = [];
    const result = await host.runBundle(dir, 120_000, {
      server: { onRequest: (path, _encoding, bytes) => path.endsWith("pyodide.asm.wasm") && wasm.push(bytes) },
    });
    expect(result.outcome).toMatchObject({ ok: true });
    return wasm;
  };

  it("sends the wasm once, then the browser reuses it for the same bytes", async () => {
    expect(await run(bundle)).toHaveLength(1);
    expect(await run(bundle)).toEqual([]);
  });

  it("sends it again when the bundle's runtime has other bytes", async () => {
    const other = join(tempDir("kept-runtime"), "bundle");
    cpSync(bundle, other, { recursive: true });
    // An empty custom section named "x": still a valid module, other bytes.
    appendFileSync(join(other, "pyodide", "pyodide.asm.wasm"), Buffer.from([0x00, 0x02, 0x01, 0x78]));
    const sent = await run(other);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toBeGreaterThan(1_000_000);
  });
});
