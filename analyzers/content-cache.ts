import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sha256, writeFileAtomic } from "../runtime/host/files.ts";

/**
 * Results keyed by the sha256 of the bytes they were computed from (plus a variant),
 * kept across packs in a folder of the cache, one small JSON file per result, read only
 * when asked for. (One JSON file for all grew to 53 MB once the fallback's modules were
 * minified too: every pack parsed it, and every pack that added one result wrote it
 * whole.) Without a cache folder it only lives as long as the object.
 */
export class ContentCache<T> {
  #entries = new Map<string, T | undefined>();
  #dir: string | undefined;
  #unsaved = new Set<string>();

  /** name carries a version: change it when what is cached changes meaning. */
  constructor(cacheDir: string | undefined, name: string) {
    if (cacheDir) this.#dir = join(cacheDir, name);
  }

  #file(key: string): string {
    return join(this.#dir!, `${key.replace(/[^\w.-]/g, "_")}.json`);
  }

  get(data: Uint8Array, variant = ""): T | undefined {
    const key = sha256(data) + variant;
    if (this.#entries.has(key) || !this.#dir) return this.#entries.get(key);
    let value: T | undefined;
    try {
      const file = this.#file(key);
      if (existsSync(file)) value = JSON.parse(readFileSync(file, "utf8")) as T;
    } catch {
      // A damaged entry only costs time.
    }
    this.#entries.set(key, value);
    return value;
  }

  set(data: Uint8Array, value: T, variant = ""): void {
    const key = sha256(data) + variant;
    this.#entries.set(key, value);
    this.#unsaved.add(key);
  }

  save(): void {
    if (!this.#dir) return;
    for (const key of this.#unsaved) {
      try {
        writeFileAtomic(this.#file(key), JSON.stringify(this.#entries.get(key)));
      } catch {
        // Only costs time next run.
      }
    }
    this.#unsaved.clear();
  }
}
