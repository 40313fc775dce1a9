import { describe, expect, it } from "vitest";
import { evaluateMarker, pyodideMarkerEnv } from "./markers.ts";

const env = pyodideMarkerEnv("3.13.2");

describe("evaluateMarker for Pyodide", () => {
  it.each([
    ["sys_platform == 'emscripten'", true],
    ["sys_platform == 'win32'", false],
    ['platform_machine == "wasm32"', true],
    ["python_version >= '3.10'", true],
    ["python_version < '3.9'", false],
    ["'3.8' < python_version", true],
    ["python_full_version >= '3.13.1' and os_name == 'posix'", true],
    ["sys_platform == 'linux' or (platform_system == 'Emscripten' and python_version > '3.12')", true],
    ["implementation_name != 'pypy'", true],
    ["'emscripten' in sys_platform", true],
    ["extra == 'plot'", false],
  ])("%s → %s", (marker, expected) => {
    expect(evaluateMarker(marker, env)).toBe(expected);
  });
  it("matches extras by normalized name", () => {
    expect(evaluateMarker("extra == 'Dev_Tools'", { ...env, extra: "dev-tools" })).toBe(true);
  });
  it("rejects what it cannot parse", () => {
    expect(() => evaluateMarker("python_version >=", env)).toThrow(/cannot parse marker/);
  });
});
