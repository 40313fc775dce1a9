import { readFileSync } from "node:fs";
import { readZip } from "../runtime/host/zip.ts";
import type { LockInfo } from "../runtime/host/pyodide-dist.ts";
import { normalizeName } from "./requirements.ts";

export interface WheelName {
  name: string;
  key: string;
  version: string;
  pythonTags: string[];
  abiTags: string[];
  platformTags: string[];
}

/** `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`, or undefined. */
export function parseWheelName(fileName: string): WheelName | undefined {
  if (!fileName.endsWith(".whl")) return undefined;
  const parts = fileName.slice(0, -4).split("-");
  if (parts.length !== 5 && parts.length !== 6) return undefined;
  const [name, version] = parts as [string, string];
  const [py, abi, plat] = parts.slice(-3) as [string, string, string];
  return {
    name,
    key: normalizeName(name),
    version,
    pythonTags: py.split("."),
    abiTags: abi.split("."),
    platformTags: plat.split("."),
  };
}

/**
 * True when the runtime (its Python and its lock's ABI and platform) can install the
 * wheel. A stable-ABI wheel (`cp311-abi3`) fits every CPython of its major version from
 * the one it names on.
 */
export function isCompatibleWheel(wheel: WheelName, info: LockInfo): boolean {
  const [major, minor] = info.python.split(".") as [string, string];
  const cp = `cp${major}${minor}`;
  const plainOk = (py: string) => py === `py${major}` || py === `py${major}${minor}` || py === cp;
  const abi3Ok = (py: string) => {
    const m = /^cp(\d)(\d+)$/.exec(py);
    return m !== null && m[1] === major && Number(m[2]) <= Number(minor);
  };
  const tagOk = wheel.pythonTags.some((py) =>
    wheel.abiTags.some((abi) => ((abi === "none" || abi === cp) && plainOk(py)) || (abi === "abi3" && abi3Ok(py))),
  );
  const platforms = new Set(["any"]);
  if (info.abi_version) {
    platforms.add(`pyodide_${info.abi_version}_wasm32`);
    platforms.add(`pyemscripten_${info.abi_version}_wasm32`);
  }
  if (info.platform) platforms.add(`${info.platform}_wasm32`);
  const platOk = wheel.platformTags.some((t) => platforms.has(t));
  return tagOk && platOk;
}

/** Requires-Dist lines of a wheel's METADATA. */
export function wheelRequiresDist(path: string): string[] {
  const files = readZip(new Uint8Array(readFileSync(path)), path, (name) => /^[^/]+\.dist-info\/METADATA$/.test(name));
  const metadata = [...files.values()][0];
  if (!metadata) return [];
  const text = new TextDecoder().decode(metadata);
  const header = text.split(/\r?\n\r?\n/)[0] ?? "";
  return header
    .split(/\r?\n/)
    .filter((line) => /^Requires-Dist:/i.test(line))
    .map((line) => line.slice("Requires-Dist:".length).trim());
}
