// Reading and writing WebAssembly binaries at the level the runtime's wasm transforms
// need (wasm-profile.ts, wasm-split.ts): sections, the index spaces' entries, and
// function bodies as bytes. Written for the project rather than taken from binaryen.js,
// which is 104 MB installed and takes ~2 s to read Pyodide's module (benchmarks/RESULTS.md).

export class Reader {
  at = 0;
  constructor(readonly bytes: Uint8Array) {}
  get done(): boolean {
    return this.at >= this.bytes.length;
  }
  byte(): number {
    if (this.at >= this.bytes.length) throw new Error("unexpected end of the module");
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
  /** A signed LEB128 of up to 33 bits (block types, heap types). */
  s33(): number {
    let result = 0;
    let shift = 0;
    let b: number;
    do {
      b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return b & 0x40 ? result - 2 ** shift : result;
  }
  /** Skips a LEB128 of any width. */
  leb(): void {
    while (this.byte() & 0x80);
  }
  skip(n: number): void {
    this.at += n;
  }
  name(): string {
    const n = this.u32();
    const text = new TextDecoder().decode(this.bytes.subarray(this.at, this.at + n));
    this.at += n;
    return text;
  }
  slice(from: number): Uint8Array {
    return this.bytes.subarray(from, this.at);
  }
}

export function u32(value: number): number[] {
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

export function name(text: string): number[] {
  const bytes = new TextEncoder().encode(text);
  return [...u32(bytes.length), ...bytes];
}

export function concat(parts: (Uint8Array | number[])[]): Uint8Array {
  const length = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A vector section's entries without its count. */
export function vectorEntries(content: Uint8Array): Uint8Array {
  const r = new Reader(content);
  r.u32();
  return content.subarray(r.at);
}

/** A vector: its count, then its entries as they are. */
export function vector(count: number, entries: (Uint8Array | number[])[]): Uint8Array {
  return concat([u32(count), ...entries]);
}

export const SECTION = { custom: 0, type: 1, import: 2, function: 3, table: 4, memory: 5, global: 6, export: 7, start: 8, element: 9, code: 10, data: 11, dataCount: 12, tag: 13 } as const;
export const KIND = { function: 0, table: 1, memory: 2, global: 3, tag: 4 } as const;
/** The order non-custom sections must appear in. */
const ORDER = [1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11];

/** A section: its id and its content (without the id and size). */
export interface Section {
  id: number;
  content: Uint8Array;
}

export function readSections(bytes: Uint8Array): Section[] {
  if (bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d || bytes[4] !== 1) throw new Error("not a WebAssembly module (version 1)");
  const r = new Reader(bytes);
  r.at = 8;
  const out: Section[] = [];
  while (!r.done) {
    const id = r.byte();
    const size = r.u32();
    out.push({ id, content: bytes.subarray(r.at, r.at + size) });
    r.skip(size);
  }
  return out;
}

/**
 * The module with some sections' contents replaced; a replaced section the module lacks
 * is added in its place in the order (custom sections stay where they were).
 */
export function writeModule(all: Section[], replace: Record<number, Uint8Array>): Uint8Array {
  const out: Section[] = [...all];
  for (const key of Object.keys(replace)) {
    const id = Number(key);
    if (out.some((s) => s.id === id)) continue;
    const after = out.findIndex((s) => s.id !== 0 && ORDER.indexOf(s.id) > ORDER.indexOf(id));
    out.splice(after === -1 ? out.length : after, 0, { id, content: new Uint8Array() });
  }
  const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  return concat([header, ...out.flatMap((s) => {
    const content = replace[s.id] ?? s.content;
    return [[s.id, ...u32(content.length)], content];
  })]);
}

export interface Import {
  module: string;
  name: string;
  kind: number;
  /** The description after the kind byte, as it is (for a function: its type index). */
  desc: Uint8Array;
  /** A function's type index. */
  type?: number;
}

export interface Export {
  name: string;
  kind: number;
  index: number;
}

export interface FuncType {
  params: number;
  results: number;
  /** The value types, one byte each, as they are. */
  paramTypes: Uint8Array;
  resultTypes: Uint8Array;
}

/** A function body split into its locals' declarations and its instructions. */
export interface Body {
  locals: Uint8Array;
  expr: Uint8Array;
}

/** What the transforms read of a module; the rest stays in `sections` as it is. */
export interface ModuleInfo {
  sections: Section[];
  types: FuncType[];
  imports: Import[];
  /** Type index of each defined function. */
  functions: number[];
  /** Each defined table's entry as it is. */
  tables: Uint8Array[];
  /** Each defined global's type (valtype and mutability bytes) and its whole entry. */
  globals: { type: Uint8Array; entry: Uint8Array }[];
  /** Each defined tag's entry as it is. */
  tags: Uint8Array[];
  memories: Uint8Array[];
  exports: Export[];
  bodies: Body[];
  imported: Record<"function" | "table" | "memory" | "global" | "tag", number>;
}

function skipLimits(r: Reader): void {
  const flags = r.u32();
  r.leb();
  if (flags & 1) r.leb();
}

/** Skips a constant expression (a global's initializer, an element's offset). */
function skipConstExpr(r: Reader): void {
  for (;;) {
    const op = r.byte();
    if (op === 0x0b) return;
    if (op === 0x41 || op === 0x42 || op === 0x23 || op === 0xd2) r.leb();
    else if (op === 0x43) r.skip(4);
    else if (op === 0x44) r.skip(8);
    else if (op === 0xd0) r.s33();
    else if (op === 0x6a || op === 0x6b || op === 0x6c || op === 0x7c || op === 0x7d || op === 0x7e) continue;
    else throw new Error(`constant expression with opcode 0x${op.toString(16)}`);
  }
}

export function readModule(bytes: Uint8Array): ModuleInfo {
  const sections = readSections(bytes);
  const content = (id: number) => sections.find((s) => s.id === id)?.content;
  const info: ModuleInfo = { sections, types: [], imports: [], functions: [], tables: [], globals: [], tags: [], memories: [], exports: [], bodies: [], imported: { function: 0, table: 0, memory: 0, global: 0, tag: 0 } };
  const each = (id: number, read: (r: Reader) => void) => {
    const c = content(id);
    if (!c) return;
    const r = new Reader(c);
    for (let n = r.u32(); n > 0; n--) read(r);
  };
  each(SECTION.type, (r) => {
    const form = r.byte();
    if (form !== 0x60) throw new Error(`type of form 0x${form.toString(16)} (only function types are read)`);
    const params = r.u32();
    const paramTypes = r.bytes.subarray(r.at, r.at + params);
    r.skip(params);
    const results = r.u32();
    const resultTypes = r.bytes.subarray(r.at, r.at + results);
    r.skip(results);
    info.types.push({ params, results, paramTypes, resultTypes });
  });
  each(SECTION.import, (r) => {
    const module = r.name();
    const name = r.name();
    const kind = r.byte();
    const from = r.at;
    let type: number | undefined;
    if (kind === KIND.function) type = r.u32();
    else if (kind === KIND.table) {
      r.byte();
      skipLimits(r);
    } else if (kind === KIND.memory) skipLimits(r);
    else if (kind === KIND.global) r.skip(2);
    else if (kind === KIND.tag) {
      r.byte();
      r.u32();
    } else throw new Error(`import of unknown kind ${kind}`);
    info.imports.push({ module, name, kind, desc: r.slice(from), type });
    const key = (["function", "table", "memory", "global", "tag"] as const)[kind]!;
    info.imported[key]++;
  });
  each(SECTION.function, (r) => void info.functions.push(r.u32()));
  each(SECTION.table, (r) => {
    const from = r.at;
    r.byte();
    skipLimits(r);
    info.tables.push(r.slice(from));
  });
  each(SECTION.memory, (r) => {
    const from = r.at;
    skipLimits(r);
    info.memories.push(r.slice(from));
  });
  each(SECTION.tag, (r) => {
    const from = r.at;
    r.byte();
    r.u32();
    info.tags.push(r.slice(from));
  });
  each(SECTION.global, (r) => {
    const from = r.at;
    r.skip(2);
    const type = r.slice(from);
    skipConstExpr(r);
    info.globals.push({ type, entry: r.slice(from) });
  });
  each(SECTION.export, (r) => {
    const name = r.name();
    const kind = r.byte();
    info.exports.push({ name, kind, index: r.u32() });
  });
  each(SECTION.code, (r) => {
    const size = r.u32();
    const start = r.at;
    for (let n = r.u32(); n > 0; n--) {
      r.u32();
      r.byte();
    }
    info.bodies.push({ locals: r.bytes.subarray(start, r.at), expr: r.bytes.subarray(r.at, start + size) });
    r.at = start + size;
  });
  if (info.bodies.length !== info.functions.length) throw new Error(`${info.bodies.length} bodies for ${info.functions.length} functions`);
  return info;
}

export function encodeBody(body: Body | (Uint8Array | number[])[]): Uint8Array {
  const inner = Array.isArray(body) ? concat(body) : concat([body.locals, body.expr]);
  return concat([u32(inner.length), inner]);
}
