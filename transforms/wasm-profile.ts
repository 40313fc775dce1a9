// An instrumented copy of a WebAssembly module that records which of its functions ran:
// the first step of splitting the runtime's wasm by what the trace ran (issue 31). Each
// defined function sets a flag of its own (a mutable i32 global) as it starts, and an
// added export, __pp_dump(ptr), stores the flags as one byte each from ptr on. Only
// appends to the index spaces (globals, one type, one function, one export), so no
// existing index moves, and only inserts two instructions at the top of each body:
// tables, element segments, relocations and dylink.0 stay as they are.

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

class Reader {
  at = 0;
  constructor(readonly bytes: Uint8Array) {}
  byte(): number {
    return this.bytes[this.at++]!;
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
  }
  skip(n: number): void {
    this.at += n;
  }
}

function u32(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

function concat(parts: (Uint8Array | number[])[]): Uint8Array {
  const length = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A section: its id and its content (without the id and size). */
interface Section {
  id: number;
  content: Uint8Array;
}

function sections(bytes: Uint8Array): Section[] {
  if (bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d || bytes[4] !== 1) throw new Error("not a WebAssembly module (version 1)");
  const r = new Reader(bytes);
  r.at = 8;
  const out: Section[] = [];
  while (r.at < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    out.push({ id, content: bytes.subarray(r.at, r.at + size) });
    r.skip(size);
  }
  return out;
}

/** A vector section's count and its entries' bytes, as they are. */
function vector(content: Uint8Array): { count: number; rest: Uint8Array } {
  const r = new Reader(content);
  const count = r.u32();
  return { count, rest: content.subarray(r.at) };
}

function withCount(count: number, ...entries: (Uint8Array | number[])[]): Uint8Array {
  return concat([u32(count), ...entries]);
}

/** Skips one import's description; returns its kind. */
function skipImport(r: Reader): number {
  r.skip(r.u32()); // module
  r.skip(r.u32()); // name
  const kind = r.byte();
  if (kind === 0) r.u32(); // function: type index
  else if (kind === 1) {
    r.byte(); // table: reftype
    const flags = r.u32();
    r.u32();
    if (flags & 1) r.u32();
  } else if (kind === 2) {
    const flags = r.u32(); // memory
    r.u32();
    if (flags & 1) r.u32();
  } else if (kind === 3) {
    r.byte(); // global: valtype
    r.byte(); // mutability
  } else if (kind === 4) {
    r.byte(); // tag: attribute
    r.u32();
  } else throw new Error(`import of unknown kind ${kind}`);
  return kind;
}

/**
 * The module with every defined function recording that it started. Throws on a module
 * it cannot read (not wasm 1, an unknown import kind).
 */
export function instrumentFunctionStarts(bytes: Uint8Array): InstrumentedModule {
  const all = sections(bytes);
  const find = (id: number) => all.find((s) => s.id === id);
  let importedFunctions = 0;
  let importedGlobals = 0;
  const imports = find(2);
  if (imports) {
    const r = new Reader(imports.content);
    for (let n = r.u32(); n > 0; n--) {
      const kind = skipImport(r);
      if (kind === 0) importedFunctions++;
      else if (kind === 3) importedGlobals++;
    }
  }
  const types = vector(find(1)?.content ?? new Uint8Array([0]));
  const functions = vector(find(3)?.content ?? new Uint8Array([0]));
  const globals = vector(find(6)?.content ?? new Uint8Array([0]));
  const code = find(10);
  if (!code) throw new Error("no code section");
  const firstFlag = importedGlobals + globals.count;
  // Each body: two instructions first, i32.const 1 and global.set of its flag.
  const r = new Reader(code.content);
  const count = r.u32();
  if (count !== functions.count) throw new Error(`${count} bodies for ${functions.count} functions`);
  const bodies: Uint8Array[] = [];
  const bodySizes: number[] = [];
  for (let k = 0; k < count; k++) {
    const size = r.u32();
    const start = r.at;
    const body = new Reader(code.content.subarray(start, start + size));
    for (let n = body.u32(); n > 0; n--) {
      body.u32();
      body.byte();
    }
    const locals = code.content.subarray(start, start + body.at);
    const expr = code.content.subarray(start + body.at, start + size);
    const mark = [0x41, 0x01, 0x24, ...u32(firstFlag + k)];
    const next = concat([locals, mark, expr]);
    bodies.push(concat([u32(next.length), next]));
    bodySizes.push(size);
    r.skip(size);
  }
  // __pp_dump(ptr: i32): for each flag, i32.store8 offset=k (ptr, flag).
  const dumpType = types.count;
  const dumpCode: number[] = [0x00];
  for (let k = 0; k < count; k++) dumpCode.push(0x20, 0x00, 0x23, ...u32(firstFlag + k), 0x3a, 0x00, ...u32(k));
  dumpCode.push(0x0b);
  const dumpBody = concat([u32(dumpCode.length), dumpCode]);
  const flag = [0x7f, 0x01, 0x41, 0x00, 0x0b];
  const newGlobals = new Uint8Array(flag.length * count);
  for (let k = 0; k < count; k++) newGlobals.set(flag, k * flag.length);
  const exports = vector(find(7)?.content ?? new Uint8Array([0]));
  const name = new TextEncoder().encode(PROFILE_DUMP);
  const rebuilt: Record<number, Uint8Array> = {
    1: withCount(types.count + 1, types.rest, [0x60, 0x01, 0x7f, 0x00]),
    3: withCount(functions.count + 1, functions.rest, u32(dumpType)),
    6: withCount(globals.count + count, globals.rest, newGlobals),
    7: withCount(exports.count + 1, exports.rest, [...u32(name.length), ...name, 0x00, ...u32(importedFunctions + count)]),
    10: withCount(count + 1, ...bodies, dumpBody),
  };
  // Sections a module lacks are added in their place in the order (types, functions,
  // globals, exports before code).
  const order = [1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11];
  const present = all.map((s) => s.id);
  const out: Section[] = [...all];
  for (const id of [1, 3, 6, 7]) {
    if (present.includes(id)) continue;
    const after = out.findIndex((s) => s.id !== 0 && order.indexOf(s.id) > order.indexOf(id));
    out.splice(after === -1 ? out.length : after, 0, { id, content: new Uint8Array() });
  }
  const encoded = out.map((s) => {
    const content = rebuilt[s.id] ?? s.content;
    return concat([[s.id], u32(content.length), content]);
  });
  return { bytes: concat([bytes.subarray(0, 8), ...encoded]), functions: count, imported: importedFunctions, bodySizes };
}
