// @ts-check
// The app's stdout and stderr, as it writes them.

/**
 * Sends everything the app writes to stdout and stderr, undecoded bytes included, to
 * onText.
 * @param {any} pyodide
 * @param {(stream: "stdout" | "stderr", text: string) => void} onText
 */
export function captureOutput(pyodide, onText) {
  for (const stream of /** @type {const} */ (["stdout", "stderr"])) {
    const decoder = new TextDecoder();
    const write = (/** @type {Uint8Array} */ buffer) => {
      onText(stream, decoder.decode(buffer, { stream: true }));
      return buffer.length;
    };
    if (stream === "stdout") pyodide.setStdout({ write });
    else pyodide.setStderr({ write });
  }
}
