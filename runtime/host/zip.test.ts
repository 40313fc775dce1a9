import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { readStoredZip } from "../page/loader.mjs";
import { joinZips } from "../shared/zip.mjs";
import { isSafeEntryName, readZip, writeStoredZip } from "./zip.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("isSafeEntryName", () => {
  it.each(["a.py", "pkg/mod.py", "pkg.dist-info/METADATA", "a..b/c"])("accepts %s", (name) => {
    expect(isSafeEntryName(name)).toBe(true);
  });
  it.each(["/etc/passwd", "../x", "a/../../x", "a\\b", "C:/x", "a/./b", ""])("rejects %s", (name) => {
    expect(isSafeEntryName(name)).toBe(false);
  });
});

describe("readZip", () => {
  it("refuses an entry that escapes its folder", () => {
    const evil = zipSync({ "../evil.py": bytes("x") });
    expect(() => readZip(evil, "evil.whl")).toThrow(/unsafe entry "..\/evil.py"/);
  });
  it("names a corrupt archive", () => {
    expect(() => readZip(bytes("not a zip at all"), "bad.whl")).toThrow(/bad.whl is not a readable zip archive/);
  });
  it("leaves directories out", () => {
    const zip = zipSync({ "pkg/": new Uint8Array(), "pkg/a.py": bytes("a") });
    expect([...readZip(zip, "x.zip").keys()]).toEqual(["pkg/a.py"]);
  });
});

describe("writeStoredZip", () => {
  const files = new Map([
    ["b/two.py", bytes("two")],
    ["a/one.py", bytes("one")],
  ]);
  it("is byte-identical for the same files in any order", () => {
    const reversed = new Map([...files].reverse());
    expect(Buffer.from(writeStoredZip(files)).equals(Buffer.from(writeStoredZip(reversed)))).toBe(true);
  });
  it("writes sorted stored entries the loader reads back", () => {
    const entries = readStoredZip(writeStoredZip(files));
    expect(entries.map((e) => [e.name, new TextDecoder().decode(e.data)])).toEqual([
      ["a/one.py", "one"],
      ["b/two.py", "two"],
    ]);
  });
  it("is refused by the loader when compressed", () => {
    const deflated = zipSync({ "a.py": bytes("x".repeat(1000)) }, { level: 9 });
    expect(() => readStoredZip(deflated)).toThrow(/compressed/);
  });
});

describe("joinZips", () => {
  it("holds both zips' entries, readable by the loader and by fflate (zipimport: lazy-asyncio.e2e)", () => {
    const a = writeStoredZip(new Map([["asyncio/__init__.pyc", bytes("init")], ["json/__init__.pyc", bytes("json")]]));
    const b = writeStoredZip(new Map([["asyncio/events.pyc", bytes("events")]]));
    const joined = joinZips(a, b);
    const read = (zip: Uint8Array) => readStoredZip(zip).map((e) => [e.name, new TextDecoder().decode(e.data)]);
    expect(read(joined)).toEqual([...read(a), ...read(b)]);
    expect(readZip(joined, "joined.zip").get("asyncio/events.pyc")).toEqual(bytes("events"));
  });
});

