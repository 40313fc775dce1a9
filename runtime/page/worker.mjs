// @ts-check
// Runs the bundle in a Web Worker (index.html?worker starts it): the page posts the
// options, the worker posts the app's output as it comes, then the result.
import { runBundle } from "./loader.mjs";

self.onmessage = async (/** @type {MessageEvent} */ event) => {
  const result = await runBundle(event.data ?? {}, (stream, text) => self.postMessage({ stream, text }));
  self.postMessage({ result });
};
