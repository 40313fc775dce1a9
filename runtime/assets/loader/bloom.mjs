// @ts-check
// Bloom filters of what pack pruned, carried in the manifest: a miss that is not pack's
// doing costs no request.

/** @typedef {{ bits: number, k: number, data: string }} Bloom */

const UTF8 = new TextEncoder();

/**
 * The k bit positions of text in a Bloom filter of the given size: FNV-1a over its
 * UTF-8 bytes, with a second hash for double hashing.
 * @param {string} text
 * @param {number} bits
 * @param {number} k
 */
function bloomPositions(text, bits, k) {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (const byte of UTF8.encode(text)) {
    h1 = Math.imul(h1 ^ byte, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ byte, 0x5bd1e995) >>> 0;
  }
  h2 |= 1;
  return Array.from({ length: k }, (_, i) => ((h1 + Math.imul(i, h2)) >>> 0) % bits);
}

/**
 * A Bloom filter of items (about 0.1% false positives), as the manifest carries the names
 * pack pruned: a miss that is not pack's doing costs no request.
 * @param {Iterable<string>} items
 * @returns {Bloom}
 */
export function makeBloom(items) {
  const list = [...items];
  const bits = Math.max(64, Math.ceil((list.length * 14.4) / 8) * 8);
  const k = 10;
  const data = new Uint8Array(bits / 8);
  for (const item of list) for (const p of bloomPositions(item, bits, k)) data[p >> 3] = (data[p >> 3] ?? 0) | (1 << (p & 7));
  let binary = "";
  for (const byte of data) binary += String.fromCharCode(byte);
  return { bits, k, data: btoa(binary) };
}

/**
 * @param {Bloom} filter
 * @returns {(item: string) => boolean} false: certainly not in the set
 */
export function bloomTest(filter) {
  const binary = atob(filter.data);
  return (item) => bloomPositions(item, filter.bits, filter.k).every((p) => (binary.charCodeAt(p >> 3) >> (p & 7)) & 1);
}
