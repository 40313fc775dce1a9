// @ts-check
// Bloom filters of what pack pruned, carried in the manifest: a miss that is not pack's
// doing costs no request.

/** @typedef {{ bits: number, k: number, data: string }} Bloom */

const UTF8 = new TextEncoder();

/** murmur3's finalizer: every input bit moves every output bit. @param {number} h */
function mix(h) {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The k bit positions of text in a Bloom filter of the given size: two FNV-1a-style
 * hashes of its UTF-8 bytes, combined as in double hashing and then mixed. Unmixed, the
 * positions were arithmetic progressions modulo the size, and a miss whose step was an
 * item's shared its bits: with 40 items and k = 20, 60 of 200,000 misses came out
 * positive, where 2^-k predicts 0.2.
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
  return Array.from({ length: k }, (_, i) => mix((h1 + Math.imul(i, h2)) >>> 0) % bits);
}

/**
 * A Bloom filter of items with k hashes: about 2^-k false positives (k = 10: 0.1%), at
 * 1.44·k bits an item. The manifest carries the names pack pruned: a miss that is not
 * pack's doing costs no request.
 * @param {Iterable<string>} items
 * @param {number} [k]
 * @returns {Bloom}
 */
export function makeBloom(items, k = 10) {
  const list = [...items];
  const bits = Math.max(64, Math.ceil((list.length * k * 144) / 800) * 8);
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
