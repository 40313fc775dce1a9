import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";
import { sha256 } from "../analyzers/fetch-cache.ts";

export interface Sizes {
  raw: number;
  gzip: number;
  brotli: number;
}

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/** gzip -9 and brotli -q 11 (window 2^24, the largest browsers accept), as a server would send. */
async function compress(bytes: Uint8Array): Promise<Sizes> {
  const [gz, br] = await Promise.all([
    gzipAsync(bytes, { level: 9 }),
    brotliAsync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_LGWIN]: 24,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }),
  ]);
  return { raw: bytes.length, gzip: gz.length, brotli: br.length };
}

/**
 * Measures byte sizes, remembering them by content hash on disk: brotli at quality 11
 * is the slowest step of a pack, and the stock wheels and stdlib never change.
 */
export class SizeMeter {
  #memory = new Map<string, Sizes>();
  #file: string | undefined;
  #dirty = false;

  constructor(cacheDir?: string) {
    if (!cacheDir) return;
    this.#file = join(cacheDir, "sizes.json");
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
    const key = sha256(bytes);
    const known = this.#memory.get(key);
    if (known) return known;
    const sizes = await compress(bytes);
    this.#memory.set(key, sizes);
    this.#dirty = true;
    return sizes;
  }

  save(): void {
    if (!this.#file || !this.#dirty) return;
    try {
      mkdirSync(join(this.#file, ".."), { recursive: true });
      writeFileSync(this.#file, JSON.stringify(Object.fromEntries(this.#memory)));
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
