import { describe, expect, it } from "vitest";
import { bloomTest, makeBloom } from "./assets/loader.mjs";

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

  it("is the same for the same items, and small", () => {
    const filter = makeBloom(names);
    expect(makeBloom(names)).toEqual(filter);
    expect(filter.data.length).toBeLessThan(2000 * 2.5); // 1.8 bytes an item, base64
    expect(bloomTest(makeBloom([]))("anything")).toBe(false);
  });
});
