import type { ResolvedPackage } from "../../analyzers/resolve.ts";
import type { TraceResult } from "../../runtime/host/host.ts";
import type { TransformOptions } from "../../transforms/apply.ts";
import type { TableOptions } from "../config/options.ts";
import type { PackReport } from "../report/report.ts";

/**
 * What pack() takes: the app, and the options of the table (packer/config/options.ts:
 * each one's flag, config key and help are there), with the transforms' own type.
 */
export type PackOptions = TableOptions & {
  /** The app's main .py file. */
  app: string;
  cwd?: string;
  /** Source and bytecode transforms; unset fields keep DEFAULT_TRANSFORMS. */
  transforms?: Partial<TransformOptions>;
  /** Called with the name of each step as it starts. */
  onStep?: (step: string) => void;
  /** Called with each warning as it happens (a crashed page retried). */
  onWarning?: (message: string) => void;
};

export type Runner = NonNullable<PackOptions["runner"]>;

export interface PackResult {
  outDir: string;
  report: PackReport;
  packages: ResolvedPackage[];
  trace: TraceResult;
}
