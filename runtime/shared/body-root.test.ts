import { describe, expect, it } from "vitest";
import { bodyRoot } from "./body-root.mjs";

describe("bodyRoot", () => {
  it("names a file's input by what its co_filename starts with", () => {
    expect(bodyRoot("/lib/python313.zip/json/decoder.py")).toBe("/lib/python313.zip");
    expect(bodyRoot("/home/pyodide/sub/mod.py")).toBe("/home/pyodide");
    // Wheels built by Pyodide name their files relative to site-packages; ours, by FS path.
    expect(bodyRoot("jinja2/utils.py")).toBe("jinja2");
    expect(bodyRoot("six.py")).toBe("six.py");
    expect(bodyRoot("/lib/python3.13/site-packages/plotly/io/_json.py")).toBe("/lib/python3.13/site-packages/plotly");
    expect(bodyRoot("/lib/python3.13/site-packages/six.py")).toBe("/lib/python3.13/site-packages/six.py");
  });
});
