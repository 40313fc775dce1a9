// An instrumented copy of a WebAssembly module that records which of its functions ran:
// the first step of splitting the runtime's wasm by what the trace ran (issue 31). Each
// defined function sets a flag of its own (a mutable i32 global) as it starts, and an
// added export, __pp_dump(ptr), stores the flags as one byte each from ptr on. Only
// appends to the index spaces (globals, one type, one function, one export), so no
// existing index moves, and only inserts two instructions at the top of each body:
// tables, element segments, relocations and dylink.0 stay as they are.

import { encodeBody, KIND, name, readModule, SECTION, u32, vector, vectorEntries, writeModule } from "./wasm-binary.ts";

/** The export that writes the flags into linear memory. */
export const PROFILE_DUMP = "__pp_dump";

export interface InstrumentedModule {
  bytes: Uint8Array;
  /** Defined functions, in code-section order: flag k is the function with index imported + k. */
  functions: number;
  /** Imported functions: the index of defined function k is imported + k. */
  imported: number;
  /** Each defined function's body size in bytes, in the original module. */
  bodySizes: number[];
}

/**
 * The module with every defined function recording that it started. Throws on a module
 * it cannot read (not wasm 1, an unknown import kind).
 */
export function instrumentFunctionStarts(bytes: Uint8Array): InstrumentedModule {
  const m = readModule(bytes);
  if (!m.sections.some((s) => s.id === SECTION.code)) throw new Error("no code section");
  const count = m.functions.length;
  const firstFlag = m.imported.global + m.globals.length;
  // Each body: two instructions first, i32.const 1 and global.set of its flag.
  const bodies = m.bodies.map((body, k) => encodeBody([body.locals, [0x41, 0x01, 0x24, ...u32(firstFlag + k)], body.expr]));
  const bodySizes = m.bodies.map((body) => body.locals.length + body.expr.length);
  // __pp_dump(ptr: i32): for each flag, i32.store8 offset=k (ptr, flag).
  const dumpType = m.types.length;
  const dumpCode: number[] = [0x00];
  for (let k = 0; k < count; k++) dumpCode.push(0x20, 0x00, 0x23, ...u32(firstFlag + k), 0x3a, 0x00, ...u32(k));
  dumpCode.push(0x0b);
  const flag = [0x7f, 0x01, 0x41, 0x00, 0x0b];
  const content = (id: number) => m.sections.find((s) => s.id === id)?.content ?? new Uint8Array([0]);
  const out = writeModule(m.sections, {
    [SECTION.type]: vector(m.types.length + 1, [vectorEntries(content(SECTION.type)), [0x60, 0x01, 0x7f, 0x00]]),
    [SECTION.function]: vector(count + 1, [...m.functions.map((t) => u32(t)), u32(dumpType)]),
    [SECTION.global]: vector(m.globals.length + count, [...m.globals.map((g) => g.entry), ...Array.from({ length: count }, () => flag)]),
    [SECTION.export]: vector(m.exports.length + 1, [vectorEntries(content(SECTION.export)), [...name(PROFILE_DUMP), KIND.function, ...u32(m.imported.function + count)]]),
    [SECTION.code]: vector(count + 1, [...bodies, encodeBody([dumpCode])]),
  });
  return { bytes: out, functions: count, imported: m.imported.function, bodySizes };
}
