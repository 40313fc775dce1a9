// @ts-check
// Short names for chunks that pack writes and the loader finds with no index: the loader
// derives the same name from what it is looking for (a stub's co_filename, a missing
// file's folder).

/**
 * Eight hex digits from a string: FNV-1a over its UTF-16 code units. Strings whose keys
 * collide share a chunk, so a collision costs bytes, never correctness.
 * @param {string} name
 * @returns {string}
 */
export function nameKey(name) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}

/** Where the fallback keeps its index (one shard per top-level module name) and its chunks of other files (one per folder). */
export const FALLBACK_INDEX = "fallback/index/";
export const FALLBACK_FILES = "fallback/files/";

/**
 * The index shard that lists a pruned module: its top-level name's.
 * @param {string} module
 * @returns {string}
 */
export function fallbackShard(module) {
  return `${FALLBACK_INDEX}${module.split(".")[0]}.json`;
}

/**
 * The chunk that holds a pruned file other than a module (data, .so, dist-info): its folder's.
 * @param {string} path an absolute FS path
 * @returns {string}
 */
export function fallbackFileChunk(path) {
  return `${FALLBACK_FILES}${nameKey(path.slice(0, path.lastIndexOf("/")))}.zip`;
}
