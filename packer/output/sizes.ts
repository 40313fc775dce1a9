import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { sha256, writeFileAtomic } from "../../runtime/host/files.ts";

export interface Sizes {
  raw: number;
  gzip: number;
  brotli: number;
}


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

interface Job {
  bytes: Uint8Array;
  done: (c: Compressed) => void;
  fail: (e: unknown) => void;
}

interface Slot {
  worker: Worker;
  job?: Job;
}

/**
 * Worker threads that compress, one per core (packer/output/compress-worker.mjs), started
 * on first use and never holding the process open; the largest jobs are queued first.
 */
class CompressPool {
  #workers: Slot[] = [];
  #queue: Job[] = [];

  run(bytes: Uint8Array): Promise<Compressed> {
    return new Promise((done, fail) => {
      this.#queue.push({ bytes, done, fail });
      this.#queue.sort((a, b) => b.bytes.length - a.bytes.length);
      this.#dispatch();
    });
  }

  #dispatch(): void {
    if (this.#workers.length === 0) {
      for (let i = 0; i < Math.max(1, availableParallelism()); i++) this.#workers.push(this.#start());
    }
    for (const slot of this.#workers) {
      const job = slot.job ? undefined : this.#queue.shift();
      if (!job) continue;
      slot.job = job;
      slot.worker.ref();
      slot.worker.postMessage({ bytes: job.bytes, quality: brotliQuality() });
    }
  }

  #start(): Slot {
    const slot: Slot = { worker: new Worker(new URL("./compress-worker.mjs", import.meta.url)) };
    slot.worker.on("message", (result: { gzip: Uint8Array; brotli: Uint8Array }) => {
      const job = slot.job;
      slot.job = undefined;
      if (this.#queue.length === 0) slot.worker.unref();
      job?.done({ gzip: new Uint8Array(result.gzip), brotli: new Uint8Array(result.brotli) });
      this.#dispatch();
    });
    slot.worker.on("error", (error) => {
      // A worker that failed takes its job with it; the next one starts fresh.
      slot.job?.fail(error);
      this.#workers = this.#workers.filter((w) => w !== slot);
      this.#dispatch();
    });
    // After the listeners: adding a "message" listener refs the worker's port again, and a
    // worker that never got a job (one job, two cores) then held the process open for good.
    slot.worker.unref();
    return slot;
  }
}

const pool = new CompressPool();

/** gzip -9 and brotli (window 2^24, the largest browsers accept), as a server would send. */
function compressBoth(bytes: Uint8Array): Promise<Compressed> {
  return pool.run(bytes);
}

/**
 * Measures and compresses bytes, remembering sizes (and, for outputs, the compressed
 * bytes) by content hash on disk: brotli at quality 11 is the slowest step of a pack,
 * and the stock wheels, the stdlib and the runtime never change.
 */
export class SizeMeter {
  #memory = new Map<string, Sizes>();
  /** Compressions under way, by key: a second ask for the same bytes waits for the first. */
  #pending = new Map<string, Promise<Compressed>>();
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
    const { gzip, brotli } = await this.#compressOnce(key, bytes);
    return this.#remember(key, { raw: bytes.length, gzip: gzip.length, brotli: brotli.length });
  }

  /** compressBoth, once per content however many ask at the same time. */
  #compressOnce(key: string, bytes: Uint8Array): Promise<Compressed> {
    let pending = this.#pending.get(key);
    if (!pending) {
      pending = compressBoth(bytes);
      this.#pending.set(key, pending);
      pending.finally(() => this.#pending.delete(key)).catch(() => {});
    }
    return pending;
  }

  /** Where an earlier pack left the encodings of the content with this key, if it did. */
  #cached(key: string): { gzip: string; brotli: string } | undefined {
    const dir = this.#compressedDir;
    if (!dir) return undefined;
    const found = { gzip: join(dir, `${key}.gz`), brotli: join(dir, `${key}.br`) };
    return existsSync(found.brotli) && existsSync(found.gzip) ? found : undefined;
  }

  /** Whether compress(bytes) would only read what an earlier pack wrote. */
  hasCompressed(bytes: Uint8Array): boolean {
    return this.#cached(cacheKey(bytes)) !== undefined;
  }

  /**
   * Writes path.gz and path.br, the encodings of bytes: copied from an earlier pack's
   * where there are (a pack writes hundreds of small sidecars, most of them the same
   * every time), else compressed.
   */
  async writeSidecars(bytes: Uint8Array, path: string): Promise<void> {
    const cached = this.#cached(cacheKey(bytes));
    if (cached) {
      copyFileSync(cached.gzip, `${path}.gz`);
      copyFileSync(cached.brotli, `${path}.br`);
      return;
    }
    const { gzip, brotli } = await this.compress(bytes);
    writeFileSync(`${path}.gz`, gzip);
    writeFileSync(`${path}.br`, brotli);
  }

  /** The gzip and brotli encodings of bytes, for sidecar files. */
  async compress(bytes: Uint8Array): Promise<Compressed> {
    const key = cacheKey(bytes);
    const dir = this.#compressedDir;
    const cached = this.#cached(key);
    if (cached) return { gzip: new Uint8Array(readFileSync(cached.gzip)), brotli: new Uint8Array(readFileSync(cached.brotli)) };
    const compressed = await this.#compressOnce(key, bytes);
    this.#remember(key, { raw: bytes.length, gzip: compressed.gzip.length, brotli: compressed.brotli.length });
    if (dir && !existsSync(join(dir, `${key}.br`))) {
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
