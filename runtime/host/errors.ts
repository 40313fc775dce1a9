/**
 * Every error the packer reports, keyed by code: one line that names the problem and,
 * where there is one, the fix. Exit codes: 1 validation failed or budget exceeded,
 * 2 usage, config, input or tool error.
 */
const MESSAGES = {
  USAGE: (a: { detail: string }) => `${a.detail}; run pack --help for usage`,
  APP_NOT_FOUND: (a: { path: string }) => `app file not found: ${a.path}; pass the path of the app's main .py file, or of a PyScript page`,
  APP_SYNTAX_ERROR: (a: { where: string; detail: string }) =>
    `syntax error in ${a.where}: ${a.detail}; fix the app and pack again`,
  APP_RAISED: (a: { errorType: string; where: string; detail: string }) =>
    `the app raised ${a.errorType} at ${a.where}: ${a.detail}; pack needs an app that runs to completion`,
  APP_EXITED: (a: { code: number; said?: string }) =>
    `the app called sys.exit(${a.code})${a.said ? ` after printing ${JSON.stringify(a.said)} to stderr` : ""}; pack needs an app that exits with status 0`,
  APP_TIMEOUT: (a: { seconds: number; sign?: string }) =>
    `the app did not finish within ${a.seconds} s${a.sign ? `; last sign of life ${a.sign}` : ""}; make it end on its own, or raise --timeout`,
  UNKNOWN_PACKAGE: (a: { name: string; looked: string }) =>
    `package "${a.name}" was not found (looked in ${a.looked}); pass --find-links DIR with its wheel, or --lock with a lock that lists it`,
  NO_MATCHING_VERSION: (a: { requirement: string; found: string }) =>
    `no version of ${a.requirement} is available (found ${a.found}); pass --find-links DIR with a matching wheel`,
  PYTHON_MISMATCH: (a: { lock: string; lockPython: string; runtimePython: string }) =>
    `${a.lock} is built for Python ${a.lockPython} but the runtime is Python ${a.runtimePython}; use the runtime the lock was built for (--pyodide)`,
  BAD_REQUIREMENT: (a: { line: string; source: string }) => `cannot parse requirement "${a.line}" in ${a.source}`,
  CORRUPT_ARCHIVE: (a: { path: string; detail: string }) =>
    `${a.path} is not a readable zip archive (${a.detail}); download it again`,
  UNSAFE_ARCHIVE_PATH: (a: { path: string; entry: string }) =>
    `${a.path} holds an unsafe entry "${a.entry}" (absolute or escaping its folder); refusing to unpack it`,
  UNSAFE_ARCHIVE_ENTRY: (a: { path: string; entry: string; what: string }) =>
    `${a.path} holds ${a.what} "${a.entry}"; refusing to unpack it (rebuild the wheel without it)`,
  ARCHIVE_TOO_LARGE: (a: { path: string; entry: string; size: number; ratio: number }) =>
    `${a.path} would unpack "${a.entry}" to ${a.size} bytes (${a.ratio}:1); refusing it as a possible zip bomb (check where the wheel came from)`,
  CHECKSUM_MISMATCH: (a: { file: string; expected: string; actual: string }) =>
    `sha256 of ${a.file} is ${a.actual}, the lock says ${a.expected}; delete it from the cache or fix the lock`,
  DOWNLOAD_FAILED: (a: { url: string; detail: string }) =>
    `cannot download ${a.url} (${a.detail}); check --index-url or put the file in a --find-links folder`,
  PYODIDE_NOT_FOUND: (a: { spec: string; looked: string }) =>
    `no Pyodide runtime "${a.spec}" found (looked in ${a.looked}); npm i -D pyodide, or pass --pyodide DIR`,
  UNSUPPORTED_PYODIDE: (a: { detail: string }) => a.detail,
  BROWSER_NOT_FOUND: (a: { path: string }) =>
    `Chromium not found at ${a.path}; apt-get install -y chromium, set PYODIDE_PACKER_CHROMIUM, or use --runner node`,
  HOST_FAILED: (a: { runner: string; detail: string }) => `the ${a.runner} runner failed: ${a.detail}`,
  HOST_CRASHED: (a: { detail: string }) =>
    `Chromium failed twice in a row: ${a.detail}; nothing was written (rerun; if it persists, check the machine's memory and Chromium's version)`,
  VALIDATION_FAILED: (a: { detail: string }) =>
    `the bundle does not reproduce the traced run: ${a.detail}; nothing was written (use --no-validate to keep it anyway)`,
  CONFIG_INVALID: (a: { source: string; detail: string }) => `bad config in ${a.source}: ${a.detail}`,
  OUTPUT_NOT_WRITABLE: (a: { path: string; detail: string }) => `cannot write ${a.path}: ${a.detail}`,
  APP_FOLDER_TOO_LARGE: (a: { path: string; files: number; bytes: number; limits: { files: number; bytes: number } }) =>
    `the app folder ${a.path} holds more than ${a.limits.files.toLocaleString("en-US")} files or ${a.limits.bytes / 1e6} MB to stage beside the app ` +
    `(stopped at ${a.files.toLocaleString("en-US")} files, ${(a.bytes / 1e6).toFixed(1)} MB); pass --app-dir DIR with a folder that holds only the app's files, choose them with --files GLOB (config files), or list the rest in a .gitignore`,
  SCENARIO_FAILED: (a: { detail: string }) => `a page scenario failed in the trace: ${a.detail}; fix the scenario (or the app) and pack again`,
  ASSET_CONFLICT: (a: { name: string }) =>
    `the page fetched ${a.name}, a name the output writes itself; rename the file in the app folder (or pass --assets DIR with another folder)`,
  PYSCRIPT_PAGE: (a: { page: string; detail: string }) => `cannot pack the PyScript page ${a.page}: ${a.detail}`,
  PYSCRIPT_NOT_FOUND: (a: { page: string; url: string; detail: string }) => `the PyScript page ${a.page} loads PyScript from ${a.url}: ${a.detail}`,
  ASSETS_NOT_FOUND: (a: { path: string }) => `--assets folder not found: ${a.path}; pass the folder the page is served from`,
} as const;

export type ErrorCode = keyof typeof MESSAGES;
type ArgsOf<C extends ErrorCode> = Parameters<(typeof MESSAGES)[C]>[0];

const EXIT_ONE: ReadonlySet<ErrorCode> = new Set(["VALIDATION_FAILED"]);

export class PackError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly args: ArgsOf<C>;
  readonly exitCode: 1 | 2;

  constructor(code: C, args: ArgsOf<C>) {
    super((MESSAGES[code] as (a: ArgsOf<C>) => string)(args));
    this.name = "PackError";
    this.code = code;
    this.args = args;
    this.exitCode = EXIT_ONE.has(code) ? 1 : 2;
  }
}

export function isPackError(error: unknown): error is PackError {
  return error instanceof PackError;
}
