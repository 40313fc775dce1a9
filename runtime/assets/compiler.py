"""Runs inside the Pyodide that will run the bundle, so bytecode and magic number match.

compile_pyc: source -> .pyc; strip_pyc: smaller .pyc (no docstrings, optionally no line
tables); check: does the source compile.
"""

import dis
import importlib.util
import marshal
import types

# Unchecked hash-based .pyc (PEP 552): deterministic, and never compared with a source.
_PYC_FLAGS = (0b01).to_bytes(4, "little")
_CO_FUNCTION = 0x1 | 0x2  # CO_OPTIMIZED | CO_NEWLOCALS
_CO_HAS_DOCSTRING = 0x4000000  # 3.14+


def check(source, filename):
    """None when the source compiles, else a one-line reason."""
    try:
        compile(source, filename, "exec", dont_inherit=True)
    except SyntaxError as error:
        return f"{type(error).__name__}: {error.msg} (line {error.lineno})"
    return None


def compile_pyc(source, filename, strip_lines=False):
    code = compile(source, filename, "exec", dont_inherit=True)
    if strip_lines:
        code = _strip(code, docstrings=False, lines=True)
    return importlib.util.MAGIC_NUMBER + _PYC_FLAGS + importlib.util.source_hash(source) + marshal.dumps(code)


def strip_pyc(data, strip_lines=False, docstrings=True):
    """The same .pyc without docstrings and/or line tables: header kept, code rewritten."""
    if data[:4] != importlib.util.MAGIC_NUMBER:
        raise ValueError("built for another Python (magic number differs)")
    code = marshal.loads(data[16:])
    return data[:16] + marshal.dumps(_strip(code, docstrings=docstrings, lines=strip_lines))


_DOC_READS = {"LOAD_ATTR", "LOAD_NAME", "LOAD_GLOBAL", "LOAD_FAST", "LOAD_DEREF", "LOAD_FROM_DICT_OR_GLOBALS"}


def reads_doc(data):
    """True when any code in the .pyc loads a __doc__ (its own store does not count)."""
    if data[:4] != importlib.util.MAGIC_NUMBER:
        raise ValueError("built for another Python (magic number differs)")
    pending = [marshal.loads(data[16:])]
    while pending:
        code = pending.pop()
        if "__doc__" in code.co_names or "__doc__" in code.co_varnames:
            for instruction in dis.get_instructions(code):
                if instruction.opname in _DOC_READS and instruction.argval == "__doc__":
                    return True
        pending.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    return False


def pyc_imports(data):
    """IMPORT_NAME operands of every code object, as "name|level|fromlist|line|lazy" lines.

    The two instructions before IMPORT_NAME push its level and fromlist. Imports in a
    function's code run when it is called (lazy); class bodies run at import.
    """
    if data[:4] != importlib.util.MAGIC_NUMBER:
        raise ValueError("built for another Python (magic number differs)")
    rows = []
    pending = [(marshal.loads(data[16:]), False)]
    while pending:
        code, lazy = pending.pop()
        window = []
        for instruction in dis.get_instructions(code):
            if instruction.opname == "IMPORT_NAME" and len(window) >= 2:
                level, fromlist = window[-2].argval, window[-1].argval
                names = ",".join(fromlist) if isinstance(fromlist, tuple) else ""
                line = instruction.positions.lineno if instruction.positions else 0
                rows.append(f"{instruction.argval}|{level if isinstance(level, int) else 0}|{names}|{line or 0}|{int(lazy)}")
            window = (window + [instruction])[-2:]
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                pending.append((const, lazy or code.co_flags & _CO_FUNCTION == _CO_FUNCTION))
    return "\n".join(rows).encode()


def _const_uses(code):
    uses = {}
    for instruction in dis.get_instructions(code):
        if instruction.opcode in dis.hasconst:
            uses[instruction.arg] = uses.get(instruction.arg, 0) + 1
    return uses


def _strip(code, docstrings, lines):
    consts = [
        _strip(c, docstrings, lines) if isinstance(c, types.CodeType) else c
        for c in code.co_consts
    ]
    flags = code.co_flags
    if docstrings:
        uses = _const_uses(code)
        if code.co_flags & _CO_FUNCTION == _CO_FUNCTION:
            # The docstring is co_consts[0]; a slot that code also loads is shared.
            has_doc = flags & _CO_HAS_DOCSTRING or (consts and isinstance(consts[0], str))
            if has_doc and consts and isinstance(consts[0], str) and not uses.get(0):
                consts[0] = None
                flags &= ~_CO_HAS_DOCSTRING
        else:
            # Modules and class bodies: LOAD_CONST doc; STORE_NAME __doc__.
            previous = None
            for instruction in dis.get_instructions(code):
                if (
                    instruction.opname == "STORE_NAME"
                    and instruction.argval == "__doc__"
                    and previous is not None
                    and previous.opname == "LOAD_CONST"
                    and isinstance(consts[previous.arg], str)
                    and uses.get(previous.arg) == 1
                ):
                    consts[previous.arg] = None
                    break
                previous = instruction
    changes = {"co_consts": tuple(consts), "co_flags": flags}
    if lines:
        changes["co_linetable"] = b""
    return code.replace(**changes)
