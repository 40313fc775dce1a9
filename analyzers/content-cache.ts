import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sha256, writeFileAtomic } from "../runtime/host/files.ts";

/**
 * Results keyed by the sha256 of the bytes they were computed from (plus a variant),
 * kept in one JSON file of the cache folder across packs. Without a cache folder it
 * only lives as long as the object.
 */
export class ContentCache<T> {
  #entries: Record<string, T> = {};
  #file: string | undefined;
  #dirty = false;

  /** name carries a version: change it when what is cached changes meaning. */
  constructor(cacheDir: string | undefined, name: string) {
    if (!cacheDir) return;
    this.#file = join(cacheDir, `${name}.json`);
    try {
      if (existsSync(this.#file)) this.#entries = JSON.parse(readFileSync(this.#file, "utf8")) as Record<string, T>;
    } catch {
      this.#entries = {};
    }
  }

  get(data: Uint8Array, variant = ""): T | undefined {
    return this.#entries[sha256(data) + variant];
  }

  set(data: Uint8Array, value: T, variant = ""): void {
    this.#entries[sha256(data) + variant] = value;
    this.#dirty = true;
  }

  save(): void {
    if (!this.#file || !this.#dirty) return;
    try {
      writeFileAtomic(this.#file, JSON.stringify(this.#entries));
      this.#dirty = false;
    } catch {
      // Only costs time next run.
    }
  }
}
