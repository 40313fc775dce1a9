"""Runs inside the Pyodide that will run the bundle, so bytecode and magic number match.

compile_pyc: source -> .pyc; strip_pyc: smaller .pyc (no docstrings, no column positions
or no line table at all); check: does the source compile.

lines: "full" keeps the location table as compiled; "lines" keeps line numbers and drops
columns and end lines (what CPython's -X no_debug_ranges gives: tracebacks lose only
their ^^^ markers); "none" drops the table (tracebacks lose line numbers too).
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


def compile_pyc(source, filename, lines="full"):
    code = compile(source, filename, "exec", dont_inherit=True)
    if lines != "full":
        code = _strip(code, docstrings=False, lines=lines)
    return importlib.util.MAGIC_NUMBER + _PYC_FLAGS + importlib.util.source_hash(source) + marshal.dumps(code)


def strip_pyc(data, lines="full", docstrings=True):
    """The same .pyc without docstrings and/or (part of) its location tables: header kept."""
    if data[:4] != importlib.util.MAGIC_NUMBER:
        raise ValueError("built for another Python (magic number differs)")
    code = marshal.loads(data[16:])
    return data[:16] + marshal.dumps(_strip(code, docstrings=docstrings, lines=lines))


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
    if lines == "none":
        changes["co_linetable"] = b""
    elif lines == "lines":
        changes["co_linetable"] = line_numbers_only(code.co_linetable)
    return code.replace(**changes)


# Location table entries (CPython's Objects/locations.md, 3.11 to 3.14): a first byte
# 1CCCCLLL (code, length - 1 in code units), then per code: 0-9 one column byte (line
# delta 0); 10-12 two column bytes (line delta code - 10); 13 a signed varint line delta;
# 14 that plus end line and both columns as varints; 15 nothing (no location).
_NO_COLUMNS, _LONG, _NO_LOCATION = 13, 14, 15


def _read_varint(table, i):
    value, shift = table[i] & 63, 6
    while table[i] & 64:
        i += 1
        value |= (table[i] & 63) << shift
        shift += 6
    return value, i + 1


def _write_varint(value, out):
    while value >= 64:
        out.append(64 | (value & 63))
        value >>= 6
    out.append(value)


def line_numbers_only(table):
    """The table with every entry as "line delta, no columns", runs on one line merged."""
    entries = []  # [line delta or None, length]
    i = 0
    while i < len(table):
        code, length = (table[i] >> 3) & 15, (table[i] & 7) + 1
        i += 1
        if code == _NO_LOCATION:
            delta = None
        elif code >= _NO_COLUMNS:
            raw, i = _read_varint(table, i)
            delta = -(raw >> 1) if raw & 1 else raw >> 1
            for _ in range(3 if code == _LONG else 0):
                _, i = _read_varint(table, i)
        elif code >= 10:
            delta, i = code - 10, i + 2
        else:
            delta, i = 0, i + 1
        last = entries[-1] if entries else None
        same_line = delta == 0 and last is not None and last[0] is not None
        if last is not None and last[1] + length <= 8 and (same_line or (delta is None and last[0] is None)):
            last[1] += length
        else:
            entries.append([delta, length])
    out = bytearray()
    for delta, length in entries:
        out.append(128 | (_NO_LOCATION if delta is None else _NO_COLUMNS) << 3 | (length - 1))
        if delta is not None:
            _write_varint((-delta << 1) | 1 if delta < 0 else delta << 1, out)
    return bytes(out)
