// The service worker of a pyodide-packer bundle (pack --service-worker), at the bundle's
// root. self.pyodidePackerBundle, set above this by pack, names the bundle's files relative to it:
// first, what the app's first result needs, cached when the worker installs; later, the
// deferred function bodies, cached once it is active; rest, files fetched only on need
// (the fallback), cached when a page asks; sidecars, files whose .br the loader reads
// when a server sends them uncompressed. Every file is answered from the cache first, so
// a second visit starts without the network and works with none. A new bundle has a new
// cache name: its worker installs beside the old one and deletes the old cache.
/** @type {{ cache: string, first: string[], later: string[], rest: string[], sidecars: string[] }} */
const BUNDLE = /** @type {any} */ (self).pyodidePackerBundle;
const scope = new URL("./", self.location.href);
const url = (/** @type {string} */ path) => new URL(path, scope).href;
const known = new Set([...BUNDLE.first, ...BUNDLE.later, ...BUNDLE.rest].flatMap((path) => [url(path), url(`${path}.br`), url(`${path}.gz`)]));

/** Fetches a file into the cache, with its .br where the loader would read that instead. */
async function store(/** @type {Cache} */ cache, /** @type {string} */ path) {
  const response = await fetch(url(path), { cache: "no-cache" });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  const uncompressed = !response.headers.get("content-encoding");
  await cache.put(url(path), response);
  if (uncompressed && BUNDLE.sidecars.includes(path)) {
    const sidecar = await fetch(url(`${path}.br`), { cache: "no-cache" });
    if (sidecar.ok) await cache.put(url(`${path}.br`), sidecar);
  }
}

self.addEventListener("install", (/** @type {any} */ event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(BUNDLE.cache);
      await Promise.all(BUNDLE.first.map((/** @type {string} */ path) => store(cache, path)));
      await /** @type {any} */ (self).skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (/** @type {any} */ event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name.startsWith("pyodide-packer-") && name !== BUNDLE.cache) await caches.delete(name);
      await /** @type {any} */ (self).clients.claim();
      const cache = await caches.open(BUNDLE.cache);
      await Promise.all(BUNDLE.later.map((/** @type {string} */ path) => store(cache, path).catch(() => {})));
    })(),
  );
});

self.addEventListener("fetch", (/** @type {any} */ event) => {
  const request = /** @type {Request} */ (event.request);
  if (request.method !== "GET") return;
  // A page of the bundle is cached by its path ("" for the folder), whatever its query.
  const page = request.mode === "navigate" && request.url.startsWith(scope.href);
  const address = new URL(request.url);
  const key = page ? url(address.pathname.slice(scope.pathname.length)) : address.href.replace(/#.*$/, "");
  if (!page && !known.has(key)) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(BUNDLE.cache);
      const hit = await cache.match(key, { ignoreSearch: page });
      if (hit) return hit;
      const response = await fetch(request);
      if (response.ok && !page) await cache.put(key, response.clone());
      return response;
    })(),
  );
});
