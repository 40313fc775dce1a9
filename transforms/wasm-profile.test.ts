import { describe, expect, it } from "vitest";
import { instrumentFunctionStarts, PROFILE_DUMP } from "./wasm-profile.ts";

const str = (s: string) => [s.length, ...new TextEncoder().encode(s)];
const section = (id: number, content: number[]) => [id, content.length, ...content];

/** (module (memory (export "mem") 1) (func (export "f") (result i32) i32.const 7) (func (export "g") (result i32) i32.const 9)) */
const TINY = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, [0x01, 0x60, 0x00, 0x01, 0x7f]),
  ...section(3, [0x02, 0x00, 0x00]),
  ...section(5, [0x01, 0x00, 0x01]),
  ...section(7, [0x03, ...str("f"), 0x00, 0x00, ...str("g"), 0x00, 0x01, ...str("mem"), 0x02, 0x00]),
  ...section(10, [0x02, 0x04, 0x00, 0x41, 0x07, 0x0b, 0x04, 0x00, 0x41, 0x09, 0x0b]),
]);

describe("instrumentFunctionStarts", () => {
  it("gives a module that runs as before and tells which functions started", async () => {
    const out = instrumentFunctionStarts(TINY);
    expect(out).toMatchObject({ functions: 2, imported: 0, bodySizes: [4, 4] });
    const instance = await WebAssembly.instantiate(await WebAssembly.compile(out.bytes as Uint8Array<ArrayBuffer>));
    const e = instance.exports as { f(): number; g(): number; mem: WebAssembly.Memory; [PROFILE_DUMP]: (ptr: number) => void };
    const flags = () => {
      e[PROFILE_DUMP](100);
      return [...new Uint8Array(e.mem.buffer, 100, 2)];
    };
    expect(flags()).toEqual([0, 0]);
    expect(e.g()).toBe(9);
    expect(flags()).toEqual([0, 1]);
    expect(e.f()).toBe(7);
    expect(flags()).toEqual([1, 1]);
  });

  it("refuses what is not a wasm module", () => {
    expect(() => instrumentFunctionStarts(new TextEncoder().encode("not wasm"))).toThrow("not a WebAssembly module");
  });
});
