import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { PackError } from "./errors.ts";
import { assetPath } from "./assets.ts";
import { RUN_ENV, SignsOfLife, withTimeout, type AppRun, type BundleRunOptions, type Host, type Progress, type TraceJob, type TraceResult } from "./host.ts";

/** Runs Pyodide in a worker thread; terminating it stops an app that never ends. */
export class NodeHost implements Host {
  readonly name = "node";

  /** Each job starts its own worker. */
  start(): void {}

  async trace(job: TraceJob): Promise<TraceResult> {
    const result = await runInWorker<Omit<TraceResult, "requests">>(
      {
        mode: "trace",
        request: {
          indexURL: (job.profile?.dir ?? job.dist.dir) + "/",
          runtimeFunctions: job.profile?.functions,
          lockInfo: job.dist.lockInfo,
          archives: job.archives.map((a) => pathToFileURL(a).href),
          main: job.main,
          scenarios: job.scenarios,
          tracerSource: job.tracerSource,
          monitorSource: job.monitorSource,
          lazyAsyncio: job.lazyAsyncio,
          env: RUN_ENV,
        },
      },
      job.timeoutMs,
    );
    // A Node worker has no page: nothing is fetched relative to one.
    return { ...result, requests: [] };
  }

  runBundle(dir: string, timeoutMs: number, options: BundleRunOptions = {}): Promise<AppRun> {
    const { fallback, bodies, prefetch, deferredRuntime, runtimeData, profile } = options;
    return runInWorker<AppRun>({ mode: "bundle", dir, fallback, bodies, prefetch, deferredRuntime, runtimeData, profile, env: RUN_ENV }, timeoutMs);
  }

  async close(): Promise<void> {}

}

/** Runs node-worker.mjs with workerData; terminating the worker stops a run that hangs. */
export async function runInWorker<T>(workerData: object, timeoutMs: number): Promise<T> {
  const worker = new Worker(assetPath("worker/node-worker.mjs"), { workerData, stdout: true, stderr: true });
  const signs = new SignsOfLife();
  let stderr = "";
  worker.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  worker.stdout.resume();
  const done = new Promise<T>((resolve, reject) => {
    const onMessage = (message: { result?: T; error?: string; progress?: Progress }) => {
      if (message.progress) return signs.note(message.progress);
      worker.off("message", onMessage);
      if (message.error === undefined) resolve(message.result as T);
      else reject(new PackError("HOST_FAILED", { runner: "node", detail: firstLine(message.error) }));
    };
    worker.on("message", onMessage);
    worker.once("error", (error) => reject(new PackError("HOST_FAILED", { runner: "node", detail: error.message })));
    worker.once("exit", (code) =>
      reject(new PackError("HOST_FAILED", { runner: "node", detail: `worker exited (${code}) ${firstLine(stderr)}` })),
    );
  });
  try {
    return await withTimeout(done, timeoutMs, () => new PackError("APP_TIMEOUT", { seconds: timeoutMs / 1000, sign: signs.describe() }), signs.appStarted);
  } finally {
    await worker.terminate();
  }
}

function firstLine(text: string): string {
  return text.trim().split("\n").find((l) => l.trim() !== "") ?? "";
}
