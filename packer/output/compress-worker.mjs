// @ts-check
// gzip -9 and brotli of one buffer at a time, in a worker thread: the packer keeps one per
// core, so that compressing never waits behind (or holds up) the libuv thread pool that
// file reads and the trace's server use.
import { parentPort } from "node:worker_threads";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

parentPort?.on("message", (/** @type {{ bytes: Uint8Array, quality: number }} */ job) => {
  const gzip = gzipSync(job.bytes, { level: 9 });
  const brotli = brotliCompressSync(job.bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: job.quality,
      [constants.BROTLI_PARAM_LGWIN]: 24,
      [constants.BROTLI_PARAM_SIZE_HINT]: job.bytes.length,
    },
  });
  parentPort?.postMessage({ gzip, brotli }, [gzip.buffer, brotli.buffer]);
});
