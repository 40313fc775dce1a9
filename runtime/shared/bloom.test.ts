import { describe, expect, it } from "vitest";
import { bloomTest, makeBloom } from "../page/loader.mjs";

describe("the fallback's Bloom filters", () => {
  const names = Array.from({ length: 2000 }, (_, i) => `plotly.validators.scatter${i}.marker`);

  it("holds every item it was made of", () => {
    const has = bloomTest(makeBloom(names));
    expect(names.every(has)).toBe(true);
  });

  it("says no to nearly everything else (about 0.1% false positives)", () => {
    const has = bloomTest(makeBloom(names));
    const others = Array.from({ length: 5000 }, (_, i) => `plotly.graph_objs.other${i}`);
    expect(others.filter(has).length).toBeLessThan(5000 * 0.005);
    expect(has("simplejson")).toBe(false);
  });

  it("with k hashes says yes to about 2^-k of the rest", () => {
    const paths = Array.from({ length: 40 }, (_, i) => `/lib/python3.13/site-packages/pkg/data${i}.json`);
    const misses = Array.from({ length: 200_000 }, (_, i) => `/lib/python3.13/site-packages/mod${i}/__init__.py`);
    const tenth = misses.filter(bloomTest(makeBloom(paths))).length;
    expect(tenth).toBeGreaterThan(200_000 * 0.0003);
    expect(tenth).toBeLessThan(200_000 * 0.003);
    const strict = bloomTest(makeBloom(paths, 20));
    expect(paths.every(strict)).toBe(true);
    expect(misses.filter(strict).length).toBeLessThan(3);
    // A wheel's dist-info and one data file: the smallest filter, 64 bits.
    const few = bloomTest(makeBloom(["/w-1.0.dist-info/METADATA", "/w-1.0.dist-info/RECORD", "/w-1.0.dist-info/WHEEL", "/w/message.txt"], 20));
    expect(misses.filter(few).length).toBeLessThan(3);
  });

  it("is the same for the same items, and small", () => {
    const filter = makeBloom(names);
    expect(makeBloom(names)).toEqual(filter);
    expect(filter.data.length).toBeLessThan(2000 * 2.5); // 1.8 bytes an item, base64
    expect(bloomTest(makeBloom([]))("anything")).toBe(false);
  });
});
