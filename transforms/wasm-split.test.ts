import { describe, expect, it } from "vitest";
import { walkBody } from "./wasm-code.ts";
import { readModule } from "./wasm-binary.ts";
import { SPLIT_EXPORTS, SPLIT_NAMESPACE, splitModule } from "./wasm-split.ts";

const str = (s: string) => [s.length, ...new TextEncoder().encode(s)];
const section = (id: number, content: number[]) => [id, ...leb(content.length), ...content];
function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}
const NOPS = new Array(40).fill(0x01); // bodies larger than the stub that would replace them
const body = (code: number[]) => [...leb(code.length + 1), 0x00, ...code];

/**
 * Imports env.add1 (i32 → i32), env.memory and env.g (mut i32); defines
 *   f1(x) = add1(x) * 2, f2(x) = f1(x) + g, f3(x, i) = table[i](x), f4(x) = store 100 at x, load x,
 *   f5() (small: stays whatever ran);
 * a table [f1, f2, f4] and the exports f1..f5 and table.
 */
const MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, [0x03, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x00, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f]),
  ...section(2, [0x03, ...str("env"), ...str("add1"), 0x00, 0x00, ...str("env"), ...str("memory"), 0x02, 0x00, 0x01, ...str("env"), ...str("g"), 0x03, 0x7f, 0x01]),
  ...section(3, [0x05, 0x00, 0x00, 0x02, 0x00, 0x01]),
  ...section(4, [0x01, 0x70, 0x00, 0x04]),
  ...section(7, [0x06, ...str("f1"), 0x00, 0x01, ...str("f2"), 0x00, 0x02, ...str("f3"), 0x00, 0x03, ...str("f4"), 0x00, 0x04, ...str("f5"), 0x00, 0x05, ...str("table"), 0x01, 0x00]),
  ...section(9, [0x01, 0x00, 0x41, 0x00, 0x0b, 0x03, 0x01, 0x02, 0x04]),
  ...section(10, [
    0x05,
    ...body([...NOPS, 0x20, 0x00, 0x10, 0x00, 0x41, 0x02, 0x6c, 0x0b]),
    ...body([...NOPS, 0x20, 0x00, 0x10, 0x01, 0x23, 0x00, 0x6a, 0x0b]),
    ...body([...NOPS, 0x20, 0x00, 0x20, 0x01, 0x11, 0x00, 0x00, 0x0b]),
    ...body([...NOPS, 0x20, 0x00, 0x41, 0xe4, 0x00, 0x36, 0x02, 0x00, 0x20, 0x00, 0x28, 0x02, 0x00, 0x0b]),
    ...body([0x01, 0x0b]),
  ]),
]);

type Exports = Record<string, any>;

function instantiateOriginal(bytes: Uint8Array, g: number) {
  const env = { add1: (x: number) => x + 1, memory: new WebAssembly.Memory({ initial: 1 }), g: new WebAssembly.Global({ value: "i32", mutable: true }, g) };
  return new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), { env }).exports as Exports;
}

/** What the loader does (runtime/page/loader/runtime-split.mjs), by hand. */
function instantiateSplit(primary: Uint8Array, deferred: Uint8Array, g: number) {
  const exports = instantiateOriginal(primary, g);
  const loads: number[] = [];
  const load = () => {
    loads.push(1);
    new WebAssembly.Instance(new WebAssembly.Module(deferred as Uint8Array<ArrayBuffer>), { [SPLIT_NAMESPACE]: exports });
    exports[SPLIT_EXPORTS.loaded].value = 1;
  };
  // A table holds only wasm functions: one that imports load and exports it.
  const shimBytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 2, 7, 1, 1, 109, 1, 102, 0, 0, 7, 5, 1, 1, 102, 0, 0]);
  const shim = new WebAssembly.Instance(new WebAssembly.Module(shimBytes), { m: { f: load } });
  exports[SPLIT_EXPORTS.load].set(0, shim.exports.f);
  return { exports, loads };
}

describe("splitModule", () => {
  it("moves what did not run into a deferred module that the primary loads on its first call, with the same results", () => {
    const split = splitModule(MODULE, [1, 0, 0, 0, 0])!;
    expect(split).toMatchObject({ moved: 3, kept: 2 });
    const original = instantiateOriginal(MODULE, 5);
    const { exports, loads } = instantiateSplit(split.primary, split.deferred, 5);
    expect(exports.f1(5)).toBe(12);
    expect(loads).toEqual([]); // f1 ran: it stays whole in the primary
    expect(exports.f2(5)).toBe(original.f2(5));
    expect(loads).toEqual([1]);
    expect([exports.f3(5, 0), exports.f3(5, 1), exports.f4(64)]).toEqual([original.f3(5, 0), original.f3(5, 1), original.f4(64)]);
    expect(loads).toEqual([1]); // once
    // The table holds the primary's functions at their original slots: a pointer to a
    // moved function is still its address, and calls it.
    expect(exports.table.get(1)).toBe(exports.f2);
    expect(exports.table.get(2)).toBe(exports.f4);
  });

  it("keeps the primary's index spaces and exports as they were, adding only its own", () => {
    const split = splitModule(MODULE, [0, 0, 0, 0, 0])!;
    const before = readModule(MODULE);
    const after = readModule(split.primary);
    expect(after.imports).toEqual(before.imports);
    expect(after.functions.slice(0, before.functions.length)).toEqual(before.functions);
    expect(after.exports.slice(0, before.exports.length)).toEqual(before.exports);
    expect(after.exports.slice(before.exports.length).every((e) => e.name.startsWith("%"))).toBe(true);
    // A stub is no larger than what it replaced; f5, smaller than a stub, stays.
    expect(split).toMatchObject({ moved: 4, kept: 1 });
  });

  it("moves nothing when everything ran", () => {
    expect(splitModule(MODULE, [1, 1, 1, 1, 1])).toBeUndefined();
  });

  it("refuses a profile of another module", () => {
    expect(() => splitModule(MODULE, [1, 0])).toThrow("a profile of 2 functions for a module of 5");
  });
});

describe("walkBody", () => {
  it("renumbers calls and globals and leaves the rest as it was", () => {
    // block; i64.const -1; drop; call 300; global.get 2; br_table [0 0] 0; end; ref.func 7 (pinned)
    const expr = new Uint8Array([0x02, 0x40, 0x42, 0x7f, 0x1a, 0x10, 0xac, 0x02, 0x23, 0x02, 0x0e, 0x02, 0x00, 0x00, 0x00, 0x0b, 0xd2, 0x07, 0x1a, 0x0b]);
    const { expr: out, uses } = walkBody(expr, { func: (f) => f + 1, global: (g) => g * 10 });
    expect([...uses.calls]).toEqual([300, 7]);
    expect([...uses.globals]).toEqual([2]);
    expect(uses.pinned).toBe(true);
    expect([...out]).toEqual([0x02, 0x40, 0x42, 0x7f, 0x1a, 0x10, 0xad, 0x02, 0x23, 0x14, 0x0e, 0x02, 0x00, 0x00, 0x00, 0x0b, 0xd2, 0x08, 0x1a, 0x0b]);
  });

  it("throws on an instruction it does not know, so that nothing is split wrong", () => {
    expect(() => walkBody(new Uint8Array([0x27, 0x0b]))).toThrow("unknown instruction 0x27");
  });
});
