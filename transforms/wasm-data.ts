// The runtime's data segment, read as the memory it becomes: which bytes of it are tables
// a page reads only through one built-in module, found exactly by their structure, and
// the module with those bytes zeroed (its size in memory unchanged). The loader puts the
// bytes back before the module is first imported (runtime/page/loader/runtime-data.mjs).
//
// Found: CPython's CJK codec maps (Modules/cjkcodecs) and unicodedata's name database. Each _codecs_XX module
// builds its list of mappings at import, in code: the charset's name ("jisx0208") beside
// the address of its encode and decode index, 256 entries of { map pointer, bottom, top }.
// The maps are the arrays those pointers point into: an index's entries, sorted, step
// through one array by (top - bottom + 1) elements of one size, which gives the array's
// element size and its end. An index that does not read that way is not taken.
import { KIND, Reader, readModule, readSections, SECTION, type Section } from "./wasm-binary.ts";
import { walkBody } from "./wasm-code.ts";

/** The built-in modules whose maps are found, by the charsets each one lists (CPython 3.13-3.14). */
export const CODEC_CHARSETS: Record<string, readonly string[]> = {
  _codecs_jp: ["jisx0208", "jisx0212", "cp932ext", "jisxcommon", "jisx0213_1_bmp", "jisx0213_2_bmp", "jisx0213_bmp", "jisx0213_1_emp", "jisx0213_2_emp", "jisx0213_emp", "jisx0213_pair"],
  _codecs_kr: ["ksx1001", "cp949", "cp949ext"],
  _codecs_cn: ["gb2312", "gbkext", "gbcommon", "gb18030ext"],
  _codecs_tw: ["big5", "cp950ext"],
  _codecs_hk: ["big5hkscs", "big5hkscs_bmp", "big5hkscs_nonbmp"],
};

/** Bytes of the data one built-in module reads: [start, end) addresses from the memory base. */
export interface DataRegion {
  module: string;
  ranges: [number, number][];
}

interface Segment {
  /** Address in memory (from the memory base when the module is relocatable). */
  address: number;
  /** Where its bytes start in the buffer the module was read from. */
  fileOffset: number;
  size: number;
}

export interface DataImage {
  /** Memory from address 0 to the end of the last segment, data pointers resolved against base 0. */
  memory: Uint8Array;
  /** Relocatable (a MAIN_MODULE built as PIC, 0.29): segments sit at __memory_base, pointers are set at instantiation. */
  relative: boolean;
  /** For a relocatable module: each word __wasm_apply_data_relocs sets, and whether it points into data. */
  relocated: Map<number, boolean>;
  /** i32.const values of each defined function's body. */
  constants: Set<number>[];
}

const DATA_RELOCS = "__wasm_apply_data_relocs";

/** A signed 32-bit LEB128 value (an i32.const operand), from a reader. */
function s32(r: Reader): number {
  return r.s33() | 0;
}

/** The data section's segments with their bytes; memoryBase is the __memory_base global's index (-1: none; undefined: any global). */
function readSegments(data: Section, memoryBase?: number): { segments: (Segment & { bytes: Uint8Array })[]; relative: boolean } {
  const r = new Reader(data.content);
  const segments: (Segment & { bytes: Uint8Array })[] = [];
  let relative = false;
  for (let n = r.u32(); n > 0; n--) {
    if (r.u32() !== 0) throw new Error("a data segment that is not active in memory 0");
    const op = r.byte();
    let address: number;
    if (op === 0x41) address = s32(r) >>> 0;
    else if (op === 0x23) {
      const global = r.u32();
      if (memoryBase !== undefined && global !== memoryBase) throw new Error("a data segment placed by a global other than __memory_base");
      address = 0;
      relative = true;
    } else throw new Error(`a data segment placed by opcode 0x${op.toString(16)}`);
    if (r.byte() !== 0x0b) throw new Error("a data segment's offset is not one instruction");
    const size = r.u32();
    segments.push({ address, size, fileOffset: data.content.byteOffset + r.at, bytes: data.content.subarray(r.at, r.at + size) });
    r.skip(size);
  }
  return { segments, relative };
}

/** Reads the module's data as memory, with what __wasm_apply_data_relocs writes into it. */
export function readDataImage(bytes: Uint8Array): DataImage {
  const info = readModule(bytes);
  const data = info.sections.find((s) => s.id === SECTION.data);
  if (!data) throw new Error("the module has no data section");
  const memoryBase = info.imports.filter((i) => i.kind === KIND.global).map((i) => i.name).indexOf("__memory_base");
  const { segments, relative } = readSegments(data, memoryBase);
  const memory = new Uint8Array(Math.max(0, ...segments.map((s) => s.address + s.size)));
  for (const s of segments) memory.set(s.bytes, s.address);
  const relocated = new Map<number, boolean>();
  const applier = info.exports.find((e) => e.kind === KIND.function && e.name === DATA_RELOCS);
  if (relative && applier) readDataRelocs(info.bodies[applier.index - info.imported.function]!.expr, memoryBase, memory, relocated);
  const constants = info.bodies.map((body) => {
    const found = new Set<number>();
    walkBody(body.expr, undefined, found);
    return found;
  });
  return { memory, relative, relocated, constants };
}

type Value = { base: number } | { constant: number } | { global: number } | { other: true };

/**
 * __wasm_apply_data_relocs: a run of stores, each `__memory_base + where` ← a value
 * (`__memory_base + target` for a data pointer; a GOT or table global for the rest).
 * Data pointers are written into memory as if the base were 0.
 */
function readDataRelocs(expr: Uint8Array, memoryBase: number, memory: Uint8Array, relocated: Map<number, boolean>): void {
  const view = new DataView(memory.buffer, memory.byteOffset, memory.byteLength);
  const r = new Reader(expr);
  const stack: Value[] = [];
  const pop = (): Value => stack.pop() ?? { other: true };
  while (!r.done) {
    const op = r.byte();
    if (op === 0x23) {
      const g = r.u32();
      stack.push(g === memoryBase ? { base: 0 } : { global: g });
    } else if (op === 0x41) stack.push({ constant: s32(r) });
    else if (op === 0x6a || op === 0x6b) {
      const b = pop();
      const a = pop();
      const sign = op === 0x6a ? 1 : -1;
      stack.push("base" in a && "constant" in b ? { base: a.base + sign * b.constant } : "constant" in a && "constant" in b ? { constant: a.constant + sign * b.constant } : { other: true });
    } else if (op === 0x36) {
      r.u32();
      const offset = r.u32();
      const value = pop();
      const where = pop();
      if (!("base" in where)) throw new Error(`${DATA_RELOCS} stores to an address not from __memory_base`);
      const at = where.base + offset;
      relocated.set(at, "base" in value);
      if ("base" in value) view.setUint32(at, value.base >>> 0, true);
    } else if (op === 0x0b && r.done) break;
    else throw new Error(`${DATA_RELOCS} has opcode 0x${op.toString(16)}, which this reader does not know`);
  }
}

/** The array an index's entries point into: [start, end), or undefined when it is not an index. */
function indexedArray(image: DataImage, at: number): [number, number] | undefined {
  const { memory } = image;
  if (at % 4 !== 0 || at + 256 * 8 > memory.length) return undefined;
  const view = new DataView(memory.buffer, memory.byteOffset, memory.byteLength);
  const entries: { pointer: number; count: number }[] = [];
  for (let i = 0; i < 256; i++) {
    const e = at + i * 8;
    const pointer = view.getUint32(e, true);
    const bottom = memory[e + 4]!;
    const top = memory[e + 5]!;
    if (memory[e + 6] !== 0 || memory[e + 7] !== 0) return undefined;
    if (pointer === 0) {
      if (bottom !== 0 || top !== 0) return undefined;
      continue;
    }
    // A pointer: set by a relocation in a relocatable module, inside the data otherwise.
    if (image.relative ? image.relocated.get(e) !== true : pointer >= memory.length) return undefined;
    if (bottom > top) return undefined;
    entries.push({ pointer, count: top - bottom + 1 });
  }
  if (entries.length < 2) return undefined;
  entries.sort((a, b) => a.pointer - b.pointer);
  let size: number | undefined;
  for (let i = 0; i + 1 < entries.length; i++) {
    const step = (entries[i + 1]!.pointer - entries[i]!.pointer) / entries[i]!.count;
    if (size === undefined) size = step;
    if (step !== size) return undefined;
  }
  if (size !== 2 && size !== 4) return undefined;
  const last = entries[entries.length - 1]!;
  return [entries[0]!.pointer, last.pointer + last.count * size];
}

/** Every address of a NUL-terminated string's bytes (a merged string's tail included). */
function stringAddresses(memory: Uint8Array, text: string): number[] {
  const needle = Buffer.from(`${text}\0`, "latin1");
  const all = Buffer.from(memory.buffer, memory.byteOffset, memory.byteLength);
  const found: number[] = [];
  for (let at = all.indexOf(needle); at >= 0; at = all.indexOf(needle, at + 1)) found.push(at);
  return found;
}

/**
 * The CJK codec modules' maps, one region per module that lists all its charsets in one
 * function. A module whose maps cannot be read exactly is left out; so is a map that
 * overlaps another's or holds a word the module's relocations set.
 */
export function findCodecMaps(image: DataImage): DataRegion[] {
  const regions: DataRegion[] = [];
  for (const [module, charsets] of Object.entries(CODEC_CHARSETS)) {
    const names = charsets.map((c) => stringAddresses(image.memory, c));
    const lists = image.constants.filter((found) => names.every((addresses) => addresses.some((a) => found.has(a))));
    if (lists.length !== 1) continue;
    const arrays = new Map<number, [number, number]>();
    for (const value of lists[0]!) {
      const array = indexedArray(image, value);
      if (array) arrays.set(array[0], array);
    }
    if (arrays.size === 0) continue;
    const ranges = [...arrays.values()].sort((a, b) => a[0] - b[0]);
    regions.push({ module, ranges });
  }
  const all = regions.flatMap((r) => r.ranges).sort((a, b) => a[0] - b[0]);
  const overlapping = all.some((range, i) => i > 0 && range[0] < all[i - 1]![1]);
  const relocatedInside = [...image.relocated.keys()].some((at) => all.some(([start, end]) => at + 4 > start && at < end));
  return overlapping || relocatedInside ? [] : regions;
}

/**
 * Each part of ranges (addresses) that one of the module's data segments holds: where it
 * is in the module's bytes (at), how long, and where it falls in the ranges laid end to
 * end (into). A part no segment holds is zero in memory, and visited by none.
 */
function eachHeldPart(bytes: Uint8Array, ranges: readonly [number, number][], visit: (at: number, length: number, into: number) => void): void {
  const data = readSections(bytes).find((s) => s.id === SECTION.data);
  if (!data) throw new Error("the module has no data section");
  // A segment placed by a global is placed by __memory_base (readDataImage checked it).
  const { segments } = readSegments(data);
  let into = 0;
  for (const [start, end] of ranges) {
    for (const s of segments) {
      const from = Math.max(start, s.address);
      const to = Math.min(end, s.address + s.size);
      if (from < to) visit(s.fileOffset - bytes.byteOffset + from - s.address, to - from, into + from - start);
    }
    into += end - start;
  }
}

/**
 * A region's bytes in the module's memory, its ranges one after another: the file the
 * loader fills it from. Read from the segments: no word a relocation sets lies in a
 * region (findCodecMaps and findNameDatabase check), so they are the bytes in memory.
 */
export function regionBytes(bytes: Uint8Array, region: DataRegion): Uint8Array {
  const out = new Uint8Array(region.ranges.reduce((n, [start, end]) => n + end - start, 0));
  eachHeldPart(bytes, region.ranges, (at, length, into) => out.set(bytes.subarray(at, at + length), into));
  return out;
}

/**
 * The module with the regions' bytes zeroed in its data segments (a copy; sizes and
 * offsets unchanged). bytes may be another build of the same module (the split's
 * primary), whose data section is the same.
 */
export function zeroRegions(bytes: Uint8Array, regions: readonly DataRegion[]): Uint8Array {
  const out = bytes.slice();
  eachHeldPart(out, regions.flatMap((r) => r.ranges), (at, length) => out.fill(0, at, at + length));
  return out;
}

/** Where unicodedata's name functions are: the functions that name these (Modules/unicodedata.c, _getucname and _getcode). */
const NAME_FUNCTION_STRINGS = ["CJK UNIFIED IDEOGRAPH-%X", "HANGUL SYLLABLE "];

/**
 * The name DAWG at start (Modules/unicodedata.c, makeunicodedata.py's packed_name_dawg):
 * every node reachable from the root, each node's count of names the sum of its own and
 * its children's. Returns the names it holds and the bytes it reads, or undefined when
 * it does not read that way.
 */
function readNameDawg(memory: Uint8Array, start: number): { names: number; end: number } | undefined {
  let last = 0;
  const byte = (i: number) => {
    if (start + i >= memory.length) throw new RangeError("past the data");
    if (i > last) last = i;
    return memory[start + i]!;
  };
  const varint = (i: number): [number, number] => {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = byte(i++);
      value += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return [i, value];
    }
    throw new RangeError("a varint too long");
  };
  const counts = new Map<number, number>();
  const visit = (node: number, depth: number): number => {
    const known = counts.get(node);
    if (known !== undefined) return known;
    if (depth > 300) throw new RangeError("a path longer than any name");
    const [edges, header] = varint(node);
    const count = Math.floor(header / 2);
    let sum = header & 1;
    let at = edges;
    let previous = edges;
    for (let first = true; ; first = false) {
      const [after, edge] = varint(at);
      if (edge === 0 && first) break; // a final node without edges
      const target = previous + Math.floor(edge / 4);
      const size = edge & 2 ? 1 : byte(after);
      const label = edge & 2 ? after : after + 1;
      if (size > 0) byte(label + size - 1);
      previous = target;
      sum += visit(target, depth + 1);
      at = label + size;
      if (edge & 1) break;
    }
    if (sum !== count) throw new RangeError("a node's count is not its names'");
    counts.set(node, count);
    return count;
  };
  try {
    const names = visit(0, 0);
    return names > 0 ? { names, end: start + last + 1 } : undefined;
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

/**
 * unicodedata's name database (unicodedata.name and lookup, \N{...} and the namereplace
 * error handler, which reach it by importing unicodedata's capsule): the name DAWG, the
 * name position → code point array, and the two-level code point → position index. Found
 * from the constants of the functions that name "CJK UNIFIED IDEOGRAPH-%X" and "HANGUL
 * SYLLABLE ": a constant where a whole DAWG reads; one where as many code points as it
 * has names sit; and two, with a shift, that map every code point either to "not found"
 * (the names' count) or to the one position whose code point it is, for all 0x110000.
 * Each array's size follows from what it holds. Anything short of that: undefined.
 */
export function findNameDatabase(image: DataImage): DataRegion | undefined {
  const { memory } = image;
  const view = new DataView(memory.buffer, memory.byteOffset, memory.byteLength);
  const strings = NAME_FUNCTION_STRINGS.map((text) => stringAddresses(memory, text));
  const constants = new Set<number>();
  for (const found of image.constants) {
    if (strings.some((addresses) => addresses.some((a) => found.has(a)))) for (const value of found) if (value < memory.length) constants.add(value);
  }
  const candidates = [...constants].sort((a, b) => a - b);
  const dawgs = candidates.map((start) => ({ start, dawg: readNameDawg(memory, start) })).filter((d) => d.dawg !== undefined && d.dawg.names >= 1000);
  if (dawgs.length !== 1) return undefined;
  const { start: dawgStart, dawg } = dawgs[0]!;
  const names = dawg!.names;
  const u32 = (at: number) => view.getUint32(at, true);
  const positions = candidates.filter((at) => {
    if (at % 4 !== 0 || at + names * 4 > memory.length) return false;
    for (let i = 0; i < names; i++) if (u32(at + i * 4) >= 0x110000) return false;
    return true;
  });
  if (positions.length !== 1) return undefined;
  const toCodePoint = positions[0]!;
  const found: [number, number][] = [];
  const read = (at: number, width: number) => (width === 1 ? memory[at]! : width === 2 ? view.getUint16(at, true) : u32(at));
  for (const index1 of candidates) {
    for (let shift = 1; shift <= 12; shift++) {
      const blocks = 0x110000 >> shift;
      for (const width1 of [1, 2]) {
        if (index1 + blocks * width1 > memory.length) continue;
        let top = 0;
        for (let b = 0; b < blocks; b++) top = Math.max(top, read(index1 + b * width1, width1));
        for (const index2 of candidates) {
          for (const width2 of [2, 4]) {
            const length = (top + 1) << shift;
            if (index2 === index1 || index2 + length * width2 > memory.length) continue;
            let named = 0;
            let c = 0;
            for (; c < 0x110000; c++) {
              const block = read(index1 + (c >> shift) * width1, width1);
              const position = read(index2 + ((block << shift) + (c & ((1 << shift) - 1))) * width2, width2);
              if (position === names) continue; // not found
              if (position > names || u32(toCodePoint + position * 4) !== c) break;
              named++;
            }
            if (c === 0x110000 && named === names) found.push([index1, index1 + blocks * width1], [index2, index2 + length * width2]);
          }
        }
      }
    }
  }
  if (found.length !== 2) return undefined;
  const ranges: [number, number][] = [...found, [dawgStart, dawg!.end] as [number, number], [toCodePoint, toCodePoint + names * 4] as [number, number]].sort((a, b) => a[0] - b[0]);
  if (ranges.some((range, i) => i > 0 && range[0] < ranges[i - 1]![1])) return undefined;
  if ([...image.relocated.keys()].some((at) => ranges.some(([start, end]) => at + 4 > start && at < end))) return undefined;
  return { module: "unicodedata", ranges };
}
