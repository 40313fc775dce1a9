import { describe, expect, it } from "vitest";
import { nameKey } from "./name-key.mjs";

describe("nameKey", () => {
  it("is FNV-1a of the name: fixed, eight hex digits, different for neighbours", () => {
    // FNV-1a 32 of "" and "a" (published test vectors).
    expect(nameKey("")).toBe("811c9dc5");
    expect(nameKey("a")).toBe("e40c292c");
    const names = Array.from({ length: 2000 }, (_, i) => `/lib/python313.zip/pkg/mod${i}.py`);
    expect(new Set(names.map(nameKey)).size).toBe(names.length);
    expect(names.map(nameKey).every((k) => /^[0-9a-f]{8}$/.test(k))).toBe(true);
  });
});
