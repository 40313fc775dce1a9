import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../fixtures/temp.ts";
import { SizeMeter } from "./sizes.ts";

/** Ref'd resources of this process by type, as process.getActiveResourcesInfo() counts them. */
function held(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

describe("the compression pool", () => {
  it("holds nothing open once its jobs are done, with fewer jobs than workers", async () => {
    const before = held();
    const meter = new SizeMeter(tempDir("sizes"));
    const { brotli, gzip } = await meter.compress(randomBytes(2000));
    expect(brotli.length).toBeGreaterThan(0);
    expect(gzip.length).toBeGreaterThan(0);
    await new Promise((done) => setTimeout(done, 50));
    const after = held();
    for (const type of ["MessagePort", "Worker"]) expect(after.get(type) ?? 0, type).toBeLessThanOrEqual(before.get(type) ?? 0);
  });
});
