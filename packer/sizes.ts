import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";
import { sha256, writeFileAtomic } from "../analyzers/fetch-cache.ts";

export interface Sizes {
  raw: number;
  gzip: number;
  brotli: number;
}

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/** Content and brotli quality: sizes at one quality never answer for another. */
function cacheKey(bytes: Uint8Array): string {
  return `${sha256(bytes)}-q${brotliQuality()}`;
}

export interface Compressed {
  gzip: Uint8Array;
  brotli: Uint8Array;
}

/**
 * Brotli quality for reports and sidecars: 11 (the most a server would use) unless
 * PYODIDE_PACKER_BROTLI_QUALITY says otherwise; the test suite uses 5 to stay fast.
 */
export function brotliQuality(): number {
  const q = Number(process.env.PYODIDE_PACKER_BROTLI_QUALITY ?? 11);
  return Number.isInteger(q) && q >= 0 && q <= 11 ? q : 11;
}

/** gzip -9 and brotli (window 2^24, the largest browsers accept), as a server would send. */
async function compressBoth(bytes: Uint8Array): Promise<Compressed> {
  const [gz, br] = await Promise.all([
    gzipAsync(bytes, { level: 9 }),
    brotliAsync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: brotliQuality(),
        [constants.BROTLI_PARAM_LGWIN]: 24,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }),
  ]);
  return { gzip: new Uint8Array(gz), brotli: new Uint8Array(br) };
}

/**
 * Measures and compresses bytes, remembering sizes (and, for outputs, the compressed
 * bytes) by content hash on disk: brotli at quality 11 is the slowest step of a pack,
 * and the stock wheels, the stdlib and the runtime never change.
 */
export class SizeMeter {
  #memory = new Map<string, Sizes>();
  #file: string | undefined;
  #compressedDir: string | undefined;
  #dirty = false;

  constructor(cacheDir?: string) {
    if (!cacheDir) return;
    this.#file = join(cacheDir, "sizes.json");
    this.#compressedDir = join(cacheDir, "compressed");
    if (existsSync(this.#file)) {
      try {
        for (const [k, v] of Object.entries(JSON.parse(readFileSync(this.#file, "utf8")) as Record<string, Sizes>)) {
          this.#memory.set(k, v);
        }
      } catch {
        // A damaged cache only costs time.
      }
    }
  }

  async measure(bytes: Uint8Array): Promise<Sizes> {
    const key = cacheKey(bytes);
    const known = this.#memory.get(key);
    if (known) return known;
    const { gzip, brotli } = await compressBoth(bytes);
    return this.#remember(key, { raw: bytes.length, gzip: gzip.length, brotli: brotli.length });
  }

  /** The gzip and brotli encodings of bytes, for sidecar files. */
  async compress(bytes: Uint8Array): Promise<Compressed> {
    const key = cacheKey(bytes);
    const dir = this.#compressedDir;
    if (dir && existsSync(join(dir, `${key}.br`)) && existsSync(join(dir, `${key}.gz`))) {
      return { gzip: new Uint8Array(readFileSync(join(dir, `${key}.gz`))), brotli: new Uint8Array(readFileSync(join(dir, `${key}.br`))) };
    }
    const compressed = await compressBoth(bytes);
    this.#remember(key, { raw: bytes.length, gzip: compressed.gzip.length, brotli: compressed.brotli.length });
    if (dir) {
      try {
        writeFileAtomic(join(dir, `${key}.gz`), compressed.gzip);
        writeFileAtomic(join(dir, `${key}.br`), compressed.brotli);
      } catch {
        // Not being able to cache is not an error.
      }
    }
    return compressed;
  }

  #remember(key: string, sizes: Sizes): Sizes {
    this.#memory.set(key, sizes);
    this.#dirty = true;
    return sizes;
  }

  save(): void {
    if (!this.#file || !this.#dirty) return;
    try {
      writeFileAtomic(this.#file, JSON.stringify(Object.fromEntries(this.#memory)));
      this.#dirty = false;
    } catch {
      // Not being able to cache is not an error.
    }
  }
}

export function sumSizes(list: readonly Sizes[]): Sizes {
  return list.reduce((a, b) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip, brotli: a.brotli + b.brotli }), {
    raw: 0,
    gzip: 0,
    brotli: 0,
  });
}
