// @ts-check
// Which input holds a file's deferred bodies, told from the file's name alone: pack writes
// each input's roots into the manifest (packer/output/bundle.ts), the loader matches a
// stub's co_filename against them (bodies.mjs). Its own module, so that pack's code can
// import it without the loader's Python.

/**
 * What tells, with no archive read, which input holds a file's bodies: a package's
 * folder (or module) in site-packages, or for other absolute names their first two
 * folders (the stdlib's zip, the app's home).
 * @param {string} filename co_filename
 * @returns {string}
 */
export function bodyRoot(filename) {
  const upTo = (/** @type {string} */ name, /** @type {number} */ from) => {
    const end = name.indexOf("/", from);
    return end < 0 ? name : name.slice(0, end);
  };
  const site = filename.lastIndexOf("site-packages/");
  if (site >= 0) return upTo(filename, site + 14);
  // "/lib/python313.zip/json/decoder.py" → "/lib/python313.zip"; "jinja2/utils.py" → "jinja2".
  return filename.startsWith("/") ? upTo(filename, filename.indexOf("/", 1) + 1) : upTo(filename, 0);
}

