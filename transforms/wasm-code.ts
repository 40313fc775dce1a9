// Walking a function body's instructions: what a body refers to, and the same body with
// its function and global indices renumbered (wasm-split.ts moves bodies into a module of
// their own, where those index spaces differ). Covers the instructions Pyodide's modules
// use and the proposals emscripten can emit (bulk memory, reference types, exception
// handling old and new, tail calls, SIMD, atomics); anything else throws, so a module we
// cannot read is never split wrong.
import { concat, Reader, u32 } from "./wasm-binary.ts";

export interface Renumber {
  func: (index: number) => number;
  global: (index: number) => number;
}

export interface BodyUses {
  /** Functions called (call, return_call) or referenced (ref.func). */
  calls: Set<number>;
  globals: Set<number>;
  /** Whether it reads or drops data or element segments, or takes a function reference: it must stay where those are. */
  pinned: boolean;
}

function memarg(r: Reader): void {
  const align = r.u32();
  if (align & 0x40) r.u32(); // a memory index (multi-memory)
  r.leb();
}

function blockType(r: Reader): void {
  r.s33();
}

/**
 * Reads a body's instructions. With renumber, returns the body with its indices
 * renumbered (the same bytes when nothing moved); always returns what it uses. constants,
 * when given, gets every i32.const value (as unsigned).
 */
export function walkBody(expr: Uint8Array, renumber?: Renumber, constants?: Set<number>): { expr: Uint8Array; uses: BodyUses } {
  const r = new Reader(expr);
  const uses: BodyUses = { calls: new Set(), globals: new Set(), pinned: false };
  const parts: (Uint8Array | number[])[] = [];
  let copied = 0;
  const index = (kind: "func" | "global") => {
    const from = r.at;
    const old = r.u32();
    (kind === "func" ? uses.calls : uses.globals).add(old);
    if (!renumber) return;
    const next = renumber[kind](old);
    if (next === old) return;
    parts.push(expr.subarray(copied, from), u32(next));
    copied = r.at;
  };
  while (!r.done) {
    const op = r.byte();
    switch (op) {
      case 0x02: case 0x03: case 0x04: case 0x06:
        blockType(r);
        break;
      case 0x07: case 0x08: case 0x09: case 0x0c: case 0x0d: case 0x18:
      case 0x20: case 0x21: case 0x22: case 0x25: case 0x26:
      case 0x3f: case 0x40: case 0x14: case 0x15: case 0xd4: case 0xd6:
        r.u32();
        break;
      case 0x0e:
        for (let n = r.u32() + 1; n > 0; n--) r.u32();
        break;
      case 0x10: case 0x12:
        index("func");
        break;
      case 0xd2:
        index("func");
        uses.pinned = true;
        break;
      case 0x11: case 0x13:
        r.u32();
        r.u32();
        break;
      case 0x1c:
        r.skip(r.u32());
        break;
      case 0x1f: {
        blockType(r);
        for (let n = r.u32(); n > 0; n--) {
          const kind = r.byte();
          if (kind === 0 || kind === 1) r.u32();
          r.u32();
        }
        break;
      }
      case 0x23: case 0x24:
        index("global");
        break;
      case 0x41:
        if (constants) constants.add(r.s33() >>> 0);
        else r.leb();
        break;
      case 0x42:
        r.leb();
        break;
      case 0x43:
        r.skip(4);
        break;
      case 0x44:
        r.skip(8);
        break;
      case 0xd0:
        r.s33();
        break;
      case 0xfc: {
        const sub = r.u32();
        if (sub <= 7) break;
        if (sub === 8 || sub === 9 || sub === 12 || sub === 13) uses.pinned = true;
        if (sub === 8 || sub === 10 || sub === 12 || sub === 14) {
          r.u32();
          r.u32();
        } else if (sub <= 17) r.u32();
        else throw new Error(`unknown instruction 0xfc ${sub}`);
        break;
      }
      case 0xfd: {
        const sub = r.u32();
        if (sub <= 11 || sub === 92 || sub === 93) memarg(r);
        else if (sub === 12 || sub === 13) r.skip(16);
        else if (sub >= 21 && sub <= 34) r.skip(1);
        else if (sub >= 84 && sub <= 91) {
          memarg(r);
          r.skip(1);
        } else if (sub > 0x113) throw new Error(`unknown instruction 0xfd ${sub}`);
        break;
      }
      case 0xfe: {
        const sub = r.u32();
        if (sub === 0x03) r.skip(1);
        else if (sub > 0x4e) throw new Error(`unknown instruction 0xfe ${sub}`);
        else memarg(r);
        break;
      }
      default:
        if (op >= 0x28 && op <= 0x3e) memarg(r);
        else if (op <= 0x01 || op === 0x05 || op === 0x0a || op === 0x0b || op === 0x0f || op === 0x19 || op === 0x1a || op === 0x1b) break;
        else if (op >= 0x45 && op <= 0xc4) break;
        else if (op === 0xd1 || op === 0xd3 || op === 0xd5) break;
        else throw new Error(`unknown instruction 0x${op.toString(16)}`);
    }
  }
  if (parts.length === 0) return { expr, uses };
  parts.push(expr.subarray(copied));
  return { expr: concat(parts), uses };
}
