// Splits a WebAssembly module in two by a profile of which functions ran (issue 31): the
// primary keeps every function that ran, and each one that did not becomes a stub in
// place, of the same index and type, that loads the deferred module on its first call
// and then calls the real body there through a table. A stub holds only its arguments,
// its slot and a call to its type's dispatcher, which does the loading check once per
// type. Nothing in the primary moves: its function indices, table (so function
// pointers), exports, data and dylink.0 section are the original's, so Pyodide's glue
// and the side modules it dlopens see the module they were built against, and a pointer
// to a deferred function is the same number it was (the stub's). The deferred module
// imports what its bodies use from the primary's exports (one namespace, "p") and fills
// the primary's deferred table when instantiated.
//
// The loader's side (runtime/page/loader/runtime-split.mjs): the loading call goes
// through a one-slot table the loader fills with its own function after instantiating
// the primary, so the primary has no import of its own and keeps its import section,
// which Pyodide's glue fills. Exports the split adds start with "%"; the loader hides
// them from Pyodide's glue, which would take them for C symbols.
import { concat, encodeBody, KIND, name, readModule, Reader, SECTION, u32, vector, vectorEntries, writeModule, type Body } from "./wasm-binary.ts";
import { walkBody } from "./wasm-code.ts";

/** Exports the split adds to the primary, beside those for the deferred module's imports. */
export const SPLIT_EXPORTS = { loaded: "%loaded", deferred: "%deferred", load: "%load" } as const;
/** Changes with what splitModule writes for the same input: caches of its output key on it. */
export const SPLIT_FORMAT = 2;
/** The namespace the deferred module imports the primary's exports from. */
export const SPLIT_NAMESPACE = "p";

export interface SplitModule {
  primary: Uint8Array;
  deferred: Uint8Array;
  /** Defined functions moved to the deferred module, and their bodies' bytes. */
  moved: number;
  movedBytes: number;
  /** Defined functions the primary keeps whole. */
  kept: number;
}

function s32(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const KIND_LETTER = ["f", "t", "m", "g", "x"];

/**
 * Splits bytes by ran (one entry per defined function, in code-section order: nonzero
 * for those that ran). A function stays when it ran, when its body touches data or
 * element segments or takes a function reference (those stay with the primary), or
 * when its body is no larger than the stub that would replace it. Returns undefined
 * when no function would move. Throws on a module it cannot read.
 */
export function splitModule(bytes: Uint8Array, ran: ArrayLike<number>): SplitModule | undefined {
  const m = readModule(bytes);
  if (ran.length !== m.functions.length) throw new Error(`a profile of ${ran.length} functions for a module of ${m.functions.length}`);
  const importedF = m.imported.function;
  const definedF = m.functions.length;
  const tableCount = m.imported.table + m.tables.length;
  const globalCount = m.imported.global + m.globals.length;
  const startSection = m.sections.find((s) => s.id === SECTION.start);
  const start = startSection ? readStart(startSection.content) : -1;

  let voidType = m.types.findIndex((t) => t.params === 0 && t.results === 0);
  const typeSection = m.sections.find((s) => s.id === SECTION.type)!.content;
  const addedTypes: number[][] = [];
  if (voidType === -1) {
    voidType = m.types.length;
    addedTypes.push([0x60, 0x00, 0x00]);
  }
  const deferredTable = tableCount;
  const loadTable = tableCount + 1;
  const loadedGlobal = globalCount;
  const loadFunction = importedF + definedF;

  // A stub passes its arguments and its slot to its type's dispatcher, which loads the
  // deferred module the first time and calls the slot: the check once per type, not per stub.
  const dispatchers = new Map<number, number>();
  const dispatcherOf = (type: number): number => {
    let index = dispatchers.get(type);
    if (index === undefined) {
      index = loadFunction + 1 + dispatchers.size;
      dispatchers.set(type, index);
    }
    return index;
  };
  const stub = (k: number, slot: number, dispatcher = dispatcherOf(m.functions[k]!)): number[] => {
    const code = [0x00];
    for (let p = 0; p < m.types[m.functions[k]!]!.params; p++) code.push(0x20, ...u32(p));
    code.push(0x41, ...s32(slot), 0x10, ...u32(dispatcher), 0x0b);
    return code;
  };

  // Which functions move, and what their bodies use.
  const moved: number[] = [];
  const uses = new Map<number, ReturnType<typeof walkBody>["uses"]>();
  for (let k = 0; k < definedF; k++) {
    if (ran[k] || importedF + k === start) continue;
    const body = m.bodies[k]!;
    const walked = walkBody(body.expr);
    if (walked.uses.pinned) continue;
    if (body.locals.length + body.expr.length <= stub(k, moved.length, loadFunction).length) continue;
    uses.set(k, walked.uses);
    moved.push(k);
  }
  if (moved.length === 0) return undefined;
  const slotOf = new Map(moved.map((k, slot) => [importedF + k, slot]));

  // The deferred module's index spaces: functions it imports (what the moved bodies call
  // that stays in the primary), then the moved ones; the globals they use; every table,
  // memory and tag in the primary's order, so those indices stay as they are.
  const calledFromPrimary = new Set<number>();
  const globalsUsed = new Set<number>();
  for (const u of uses.values()) {
    for (const f of u.calls) if (!slotOf.has(f)) calledFromPrimary.add(f);
    for (const g of u.globals) globalsUsed.add(g);
  }
  const importedFunctions = [...calledFromPrimary].sort((a, b) => a - b);
  const importedGlobals = [...globalsUsed].sort((a, b) => a - b);
  const funcIndex = new Map<number, number>(importedFunctions.map((f, i) => [f, i]));
  for (const [f, slot] of slotOf) funcIndex.set(f, importedFunctions.length + slot);
  const globalIndex = new Map<number, number>(importedGlobals.map((g, i) => [g, i]));

  // Exports the deferred module imports by: the primary's own names where it has them.
  const exportName = new Map<string, string>();
  for (const e of m.exports) {
    if (e.name.startsWith("%")) throw new Error(`the module already exports ${e.name}`);
    const key = `${e.kind}:${e.index}`;
    if (!exportName.has(key)) exportName.set(key, e.name);
  }
  const addedExports: number[][] = [];
  const nameFor = (kind: number, index: number): string => {
    const key = `${kind}:${index}`;
    let found = exportName.get(key);
    if (found === undefined) {
      found = `%${KIND_LETTER[kind]}${index.toString(36)}`;
      exportName.set(key, found);
      addedExports.push([...name(found), kind, ...u32(index)]);
    }
    return found;
  };
  // The imports of each kind, in their index space's order: looked up once per entity below.
  const importsByKind = [0, 1, 2, 3, 4].map((kind) => m.imports.filter((i) => i.kind === kind));
  const importsOf = (kind: number) => importsByKind[kind]!;
  const typeOf = (kind: "table" | "memory" | "global" | "tag", index: number): Uint8Array => {
    const imported = importsOf(KIND[kind]);
    if (index < imported.length) return imported[index]!.desc;
    const local = index - imported.length;
    if (kind === "table") return m.tables[local]!;
    if (kind === "memory") return m.memories[local]!;
    if (kind === "global") return m.globals[local]!.type;
    return m.tags[local]!;
  };
  const funcType = (f: number): number => (f < importedF ? importsOf(KIND.function)[f]!.type! : m.functions[f - importedF]!);

  const deferredImports: (Uint8Array | number[])[] = [];
  const addImport = (kind: number, index: number, desc: Uint8Array | number[]) => deferredImports.push([...name(SPLIT_NAMESPACE), ...name(nameFor(kind, index)), kind, ...desc]);
  for (const f of importedFunctions) addImport(KIND.function, f, u32(funcType(f)));
  for (let t = 0; t < tableCount; t++) addImport(KIND.table, t, typeOf("table", t));
  const memoryCount = m.imported.memory + m.memories.length;
  for (let i = 0; i < memoryCount; i++) addImport(KIND.memory, i, typeOf("memory", i));
  for (const g of importedGlobals) addImport(KIND.global, g, typeOf("global", g));
  const tagCount = m.imported.tag + m.tags.length;
  for (let i = 0; i < tagCount; i++) addImport(KIND.tag, i, typeOf("tag", i));
  const deferredTableType = [0x70, 0x00, ...u32(moved.length)];
  deferredImports.push([...name(SPLIT_NAMESPACE), ...name(SPLIT_EXPORTS.deferred), KIND.table, ...deferredTableType]);

  const renumber = {
    func: (f: number) => funcIndex.get(f)!,
    global: (g: number) => globalIndex.get(g)!,
  };
  let movedBytes = 0;
  const deferredBodies = moved.map((k) => {
    const body = m.bodies[k]!;
    movedBytes += body.locals.length + body.expr.length;
    return encodeBody({ locals: body.locals, expr: walkBody(body.expr, renumber).expr });
  });
  const deferredFunctions = importedFunctions.length;
  const elements = vector(1, [[0x02, ...u32(tableCount), 0x41, 0x00, 0x0b, 0x00, ...u32(moved.length), ...moved.flatMap((_, slot) => u32(deferredFunctions + slot))]]);
  const deferred = concat([
    [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    section(SECTION.type, typeSection),
    section(SECTION.import, vector(deferredImports.length, deferredImports)),
    section(SECTION.function, vector(moved.length, moved.map((k) => u32(m.functions[k]!)))),
    section(SECTION.element, elements),
    section(SECTION.code, vector(deferredBodies.length, deferredBodies)),
  ]);

  // The primary: stubs in place, the load function, two tables, one global, the exports.
  const primaryBodies: (Uint8Array | number[])[] = m.bodies.map((body: Body, k) => {
    const slot = slotOf.get(importedF + k);
    return slot === undefined ? encodeBody(body) : encodeBody([stub(k, slot)]);
  });
  primaryBodies.push(encodeBody([[0x00, 0x41, 0x00, 0x11, ...u32(voidType), ...u32(loadTable), 0x0b]]));
  // Each dispatcher: (the type's params, slot) → the type's results.
  const dispatcherTypes: number[][] = [];
  for (const type of dispatchers.keys()) {
    const t = m.types[type]!;
    dispatcherTypes.push([0x60, ...u32(t.params + 1), ...t.paramTypes, 0x7f, ...u32(t.results), ...t.resultTypes]);
    const code = [0x00, 0x23, ...u32(loadedGlobal), 0x45, 0x04, 0x40, 0x10, ...u32(loadFunction), 0x0b];
    for (let p = 0; p <= t.params; p++) code.push(0x20, ...u32(p));
    code.push(0x11, ...u32(type), ...u32(deferredTable), 0x0b);
    primaryBodies.push(encodeBody([code]));
  }
  const firstDispatcherType = m.types.length + addedTypes.length;
  addedExports.push([...name(SPLIT_EXPORTS.loaded), KIND.global, ...u32(loadedGlobal)]);
  addedExports.push([...name(SPLIT_EXPORTS.deferred), KIND.table, ...u32(deferredTable)]);
  addedExports.push([...name(SPLIT_EXPORTS.load), KIND.table, ...u32(loadTable)]);
  const sectionOf = (id: number) => m.sections.find((s) => s.id === id)?.content;
  const primary = writeModule(m.sections, {
    [SECTION.type]: vector(firstDispatcherType + dispatcherTypes.length, [vectorEntries(typeSection), ...addedTypes, ...dispatcherTypes]),
    [SECTION.function]: vector(definedF + 1 + dispatchers.size, [...m.functions.map((t) => u32(t)), u32(voidType), ...[...dispatchers.keys()].map((_, i) => u32(firstDispatcherType + i))]),
    [SECTION.table]: vector(m.tables.length + 2, [...m.tables, deferredTableType, [0x70, 0x00, 0x01]]),
    [SECTION.global]: vector(m.globals.length + 1, [...m.globals.map((g) => g.entry), [0x7f, 0x01, 0x41, 0x00, 0x0b]]),
    [SECTION.export]: vector(m.exports.length + addedExports.length, [vectorEntries(sectionOf(SECTION.export) ?? new Uint8Array([0])), ...addedExports]),
    [SECTION.code]: vector(primaryBodies.length, primaryBodies),
  });
  return { primary, deferred, moved: moved.length, movedBytes, kept: definedF - moved.length };
}

function readStart(content: Uint8Array): number {
  return new Reader(content).u32();
}

function section(id: number, content: Uint8Array): Uint8Array {
  return concat([[id, ...u32(content.length)], content]);
}
