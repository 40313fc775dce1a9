// The runtime's data segment, read as the memory it becomes: which bytes of it are tables
// a page reads only through one built-in module, found exactly by their structure, and
// the module with those bytes zeroed (its size in memory unchanged). The loader puts the
// bytes back before the module is first imported (runtime/page/loader/runtime-data.mjs).
//
// Found so far: CPython's CJK codec maps (Modules/cjkcodecs). Each _codecs_XX module
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
  segments: Segment[];
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
  return { memory, segments: segments.map(({ bytes: _, ...s }) => s), relative, relocated, constants };
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

/** A region's bytes, its ranges one after another: the file the loader fills it from. */
export function regionBytes(image: DataImage, region: DataRegion): Uint8Array {
  const out = new Uint8Array(region.ranges.reduce((n, [start, end]) => n + end - start, 0));
  let at = 0;
  for (const [start, end] of region.ranges) {
    out.set(image.memory.subarray(start, end), at);
    at += end - start;
  }
  return out;
}

/**
 * The module with the regions' bytes zeroed in its data segments (a copy; sizes and
 * offsets unchanged). bytes may be another build of the same module (the split's
 * primary), whose data section is the same.
 */
export function zeroRegions(bytes: Uint8Array, regions: readonly DataRegion[]): Uint8Array {
  const out = bytes.slice();
  const data = readSections(out).find((s) => s.id === SECTION.data);
  if (!data) throw new Error("the module has no data section");
  // A segment placed by a global is placed by __memory_base (readDataImage checked it).
  const { segments } = readSegments(data);
  for (const [start, end] of regions.flatMap((r) => r.ranges)) {
    for (const s of segments) {
      const from = Math.max(start, s.address);
      const to = Math.min(end, s.address + s.size);
      if (from < to) out.fill(0, s.fileOffset + from - s.address, s.fileOffset + to - s.address);
    }
  }
  return out;
}
