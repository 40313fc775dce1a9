import { describe, expect, it } from "vitest";
import { isCompatibleWheel, parseWheelName } from "./wheels.ts";

const PY313 = { abi_version: "2025_0", arch: "wasm32", platform: "emscripten_4_0_9", python: "3.13.2" };
const fits = (file: string) => isCompatibleWheel(parseWheelName(file)!, PY313);

describe("isCompatibleWheel", () => {
  it("takes pure wheels for this Python", () => {
    expect(fits("rich-13.9.4-py3-none-any.whl")).toBe(true);
    expect(fits("rich-13.9.4-cp313-none-any.whl")).toBe(true);
    expect(fits("old-1.0-py2-none-any.whl")).toBe(false);
  });

  it("takes compiled wheels for this Python and platform only", () => {
    expect(fits("numpy-2.2.5-cp313-cp313-pyodide_2025_0_wasm32.whl")).toBe(true);
    expect(fits("numpy-2.2.5-cp312-cp312-pyodide_2024_0_wasm32.whl")).toBe(false);
    expect(fits("numpy-2.2.5-cp313-cp313-pyodide_2024_0_wasm32.whl")).toBe(false);
    expect(fits("numpy-2.2.5-cp313-cp313-manylinux_2_17_x86_64.whl")).toBe(false);
  });

  it("takes stable-ABI wheels built for this Python or an older one", () => {
    expect(fits("nativedemo-1.0.0-cp311-abi3-pyodide_2025_0_wasm32.whl")).toBe(true);
    expect(fits("nativedemo-1.0.0-cp313-abi3-emscripten_4_0_9_wasm32.whl")).toBe(true);
    expect(fits("nativedemo-1.0.0-cp314-abi3-pyodide_2025_0_wasm32.whl")).toBe(false);
    expect(fits("nativedemo-1.0.0-cp27-abi3-pyodide_2025_0_wasm32.whl")).toBe(false);
  });
});
