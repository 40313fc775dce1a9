# Runs the app's main file as `python app.py` would (runtime/page/loader/run.mjs).
import ast
import io
import sys
import tokenize

from pyodide.code import CodeRunner

CO_COROUTINE = 0x80


def decode(data, filename):
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        # Parsed only when it cannot be decoded: for the error Python itself would give.
        compile(data, filename, "exec", flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        raise


def prepare(data, filename, namespace):
    global app, scope
    source = decode(data.to_bytes(), filename)
    app = CodeRunner(source, filename=filename, flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT).compile()
    scope = namespace
    # As `python app.py` sets them: the main file's path in __main__ and in sys.argv[0].
    namespace["__file__"] = filename
    namespace["__cached__"] = None
    if not sys.argv or not sys.argv[0]:
        sys.argv[:1] = [filename]
    code = app.code
    return code is not None and bool(code.co_flags & CO_COROUTINE or "asyncio" in code.co_names)


def status(exit):
    code = exit.code
    return 0 if code is None else code if isinstance(code, int) else 1


def run():
    try:
        app.run(scope)
    except SystemExit as exit:
        return status(exit)
    return 0


async def run_async():
    try:
        await app.run_async(scope)
    except SystemExit as exit:
        return status(exit)
    return 0
