// What a pack works on, staged by packer/pipeline/stage.ts: every file of every input
// (the stdlib, each package, the app folder) by the path it has in Pyodide's FS. The
// analyzers and transforms read it; the pipeline fills it.
import type { ResolvedPackage } from "./resolve.ts";

/** Where the app's files live in the Emscripten FS (Pyodide's working directory). */
export const APP_ROOT = "/home/pyodide";

/** One input's files keyed by the absolute FS path they are installed at. */
export interface StagedPackage {
  pkg: ResolvedPackage;
  files: Map<string, Uint8Array>;
}

export interface StagedInputs {
  packages: StagedPackage[];
  /** python_stdlib.zip's files by entry name ("json/__init__.py"). */
  stdlib: Map<string, Uint8Array>;
  /** FS path the stdlib zip is mounted at ("/lib/python313.zip"). */
  stdlibMount: string;
  /** The app folder's files by FS path. */
  app: Map<string, Uint8Array>;
  /** FS path of the app's main file. */
  main: string;
  /** FS paths of the scenario files (--scenario), traced after the main one, never shipped. */
  scenarios: string[];
  /** Scenario files from outside the app folder, by FS path (staged with the app). */
  scenarioFiles: Map<string, Uint8Array>;
}

