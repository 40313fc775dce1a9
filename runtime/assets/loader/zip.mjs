// @ts-check
// The stored zips pack writes: their central directory, their entries, and writing one
// into the Emscripten FS.

/**
 * @typedef {{ name: string, method: number, crc: number, compressed: number, size: number,
 *   symlink: boolean, local: number }} ZipEntry
 */

/**
 * The central directory of a zip, read without inflating anything. Throws on a zip
 * without one or with a damaged one. Shared with the packer, which vets wheels with it.
 * @param {Uint8Array} bytes
 * @returns {ZipEntry[]}
 */
export function zipDirectory(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = bytes.length - 22;
  while (eocd >= 0 && view.getUint32(eocd, true) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error("no end of central directory; truncated?");
  const count = view.getUint16(eocd + 10, true);
  let at = view.getUint32(eocd + 16, true);
  const decoder = new TextDecoder();
  const entries = [];
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== 0x02014b50) throw new Error("damaged central directory");
    const nameLength = view.getUint16(at + 28, true);
    const external = view.getUint32(at + 38, true);
    entries.push({
      name: decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength)),
      method: view.getUint16(at + 10, true),
      crc: view.getUint32(at + 16, true),
      compressed: view.getUint32(at + 20, true),
      size: view.getUint32(at + 24, true),
      // Unix mode in the high 16 bits of the external attributes (made on Unix: byte 5 = 3).
      symlink: bytes[at + 5] === 3 && ((external >>> 16) & 0o170000) === 0o120000,
      local: view.getUint32(at + 42, true),
    });
    at += 46 + nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
  }
  return entries;
}

/**
 * Entries of a zip whose entries are stored (not compressed), as written by the packer.
 * @param {Uint8Array} bytes
 * @returns {{ name: string, data: Uint8Array }[]}
 */
export function readStoredZip(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return zipDirectory(bytes).map(({ name, method, size, local }) => {
    if (method !== 0) throw new Error(`zip entry ${name} is compressed; expected a stored entry`);
    const dataStart = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    return { name, data: bytes.subarray(dataStart, dataStart + size) };
  });
}

/**
 * Writes a stored zip whose entry names are absolute FS paths without the leading "/".
 * @param {any} pyodide
 * @param {Uint8Array} bytes
 * @returns {string[]} the FS paths written
 */
export function installArchive(pyodide, bytes) {
  const FS = pyodide.FS;
  const written = [];
  for (const { name, data } of readStoredZip(bytes)) {
    const path = "/" + name;
    if (name.endsWith("/")) {
      FS.mkdirTree(path);
      continue;
    }
    FS.mkdirTree(path.slice(0, path.lastIndexOf("/")) || "/");
    FS.writeFile(path, data);
    written.push(path);
  }
  return written;
}
