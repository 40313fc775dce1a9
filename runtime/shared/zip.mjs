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

/** Where a zip's central directory is, from its end record (no comment, no zip64). */
function directoryOf(/** @type {Uint8Array} */ bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = bytes.length - 22;
  if (eocd < 0 || view.getUint32(eocd, true) !== 0x06054b50) throw new Error("no end of central directory where pack writes it");
  return { count: view.getUint16(eocd + 10, true), size: view.getUint32(eocd + 12, true), offset: view.getUint32(eocd + 16, true) };
}

/**
 * One zip holding a's entries, then b's, both zips as pack writes them: their entries'
 * bytes as they were, b's moved past a's.
 * @param {Uint8Array} a
 * @param {Uint8Array} b
 * @returns {Uint8Array}
 */
export function joinZips(a, b) {
  const [da, db] = [directoryOf(a), directoryOf(b)];
  const out = new Uint8Array(da.offset + db.offset + da.size + db.size + 22);
  const view = new DataView(out.buffer);
  out.set(a.subarray(0, da.offset), 0);
  out.set(b.subarray(0, db.offset), da.offset);
  let at = da.offset + db.offset;
  out.set(a.subarray(da.offset, da.offset + da.size), at);
  at += da.size;
  out.set(b.subarray(db.offset, db.offset + db.size), at);
  // b's central records point at its local headers, now da.offset further on.
  for (let i = 0; i < db.count; i++) {
    view.setUint32(at + 42, view.getUint32(at + 42, true) + da.offset, true);
    at += 46 + view.getUint16(at + 28, true) + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
  }
  view.setUint32(at, 0x06054b50, true);
  view.setUint16(at + 8, da.count + db.count, true);
  view.setUint16(at + 10, da.count + db.count, true);
  view.setUint32(at + 12, da.size + db.size, true);
  view.setUint32(at + 16, da.offset + db.offset, true);
  return out;
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
