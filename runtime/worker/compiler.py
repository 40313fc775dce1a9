"""Runs inside the Pyodide that will run the bundle, so bytecode and magic number match.

compile_pyc: source -> .pyc; strip_pyc: smaller .pyc (docstrings dropped or left empty, no
column positions or no line table at all); check: does the source compile.

docstrings: "keep"; "strip" makes each None (as python -OO does); "empty" makes each ""
(for code that reads __doc__ and passes it on as a str, like numpy's add_docstring).

lines: "full" keeps the location table as compiled; "lines" keeps line numbers and drops
columns and end lines (what CPython's -X no_debug_ranges gives: tracebacks lose only
their ^^^ markers); "none" drops the table (tracebacks lose line numbers too).
"""

import dis
import importlib.util
import marshal
import sys
import types

# Unchecked hash-based .pyc (PEP 552): deterministic, and never compared with a source.
# Its source hash is never read (only checked .pyc are, and only beside their source),
# so it is zeros: 8 incompressible bytes a file less (1.2 kB brotli on a stdlib zip).
_PYC_FLAGS = (0b01).to_bytes(4, "little")
_NO_HASH = bytes(8)
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
        code = _strip(code, docstrings="keep", lines=lines)
    return importlib.util.MAGIC_NUMBER + _PYC_FLAGS + _NO_HASH + marshal.dumps(code)


def strip_pyc(data, lines="full", docstrings="strip"):
    """The same .pyc with its docstrings and/or (part of) its location tables stripped:
    header kept."""
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
    if docstrings != "keep":
        blank = "" if docstrings == "empty" else None
        uses = _const_uses(code)
        if code.co_flags & _CO_FUNCTION == _CO_FUNCTION:
            # The docstring is co_consts[0]; a slot that code also loads is shared.
            has_doc = flags & _CO_HAS_DOCSTRING or (consts and isinstance(consts[0], str))
            if has_doc and consts and isinstance(consts[0], str) and not uses.get(0):
                consts[0] = blank
                if blank is None:
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
                    consts[previous.arg] = blank
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


# Function-level shaking: a function whose code never started in the traced run ships as
# a stub with the same outside (names, arguments, flags, free variables, first line, so
# inspect and the enclosing code that builds its closure see no difference); its first
# call loads the real code object from the bundle's deferred bodies (loader/bodies.mjs).
# A stub's body is the same for every function, `return __pyodide_packer_body__()()`: the
# helper finds the real code by the stub's (co_filename, co_qualname, co_firstlineno) and
# its arguments in the stub's frame, so a stub carries no key and brotli takes its body
# for next to nothing.
BODY_HELPER = "__pyodide_packer_body__"
_CO_VARARGS, _CO_VARKEYWORDS = 0x4, 0x8
_CO_GENERATOR, _CO_COROUTINE, _CO_ITERABLE_COROUTINE, _CO_ASYNC_GENERATOR = 0x20, 0x80, 0x100, 0x200


def _docstring(code):
    """A function's docstring: up to 3.13 its first constant when that is a str (else that
    constant is None); 3.14 flags it."""
    consts = code.co_consts
    if not consts or not isinstance(consts[0], str):
        return None
    return consts[0] if sys.version_info < (3, 14) or code.co_flags & _CO_HAS_DOCSTRING else None


def _stub_source(code):
    """Source of a function with code's signature that calls the loader's helper; None
    when code cannot be written as one (an async generator, a generator expression's .0)."""
    flags = code.co_flags
    if flags & _CO_FUNCTION != _CO_FUNCTION or flags & (_CO_ASYNC_GENERATOR | _CO_ITERABLE_COROUTINE):
        return None
    names = code.co_varnames
    positional, plain, keyword = code.co_posonlyargcount, code.co_argcount, code.co_kwonlyargcount
    end = plain + keyword
    star = names[end] if flags & _CO_VARARGS else None
    end += bool(star)
    double = names[end] if flags & _CO_VARKEYWORDS else None
    params = names[: end + bool(double)]
    if not all(n.isidentifier() and n != BODY_HELPER for n in params + code.co_freevars):
        return None
    signature = [*names[:positional], *(["/"] if positional else []), *names[positional:plain]]
    signature += [f"*{star}"] if star else (["*"] if keyword else [])
    signature += [*names[plain:end - bool(star)], *([f"**{double}"] if double else [])]
    # The helper takes the free variables' cells from this lambda's closure.
    cells = f"lambda: ({', '.join(code.co_freevars)},)" if code.co_freevars else ""
    target = f"{BODY_HELPER}({cells})()"
    head, body = "def", f"return {target}"
    if flags & _CO_GENERATOR:
        body = f"return (yield from {target})"
    elif flags & _CO_COROUTINE:
        head, body = "async def", f"return await {target}"
    doc = _docstring(code)
    lines = [f"    {head} f({', '.join(signature)}):"]
    if doc is not None:
        lines.append(f"        {doc!r}")
    lines.append(f"        {body}")
    # Free variables become cells of an enclosing function, so the stub's co_freevars are
    # code's own, in the same (sorted) order the enclosing code builds the closure in.
    outer = [f"    {n} = None" for n in code.co_freevars]
    return "\n".join(["def outer():", *outer, *lines, "    return f"]) + "\n"


def _stub(code):
    source = _stub_source(code)
    if source is None:
        return None
    outer = next(c for c in compile(source, code.co_filename, "exec", dont_inherit=True).co_consts if isinstance(c, types.CodeType))
    stub = next(c for c in outer.co_consts if isinstance(c, types.CodeType))
    if stub.co_freevars != code.co_freevars or stub.co_varnames[: code.co_argcount] != code.co_varnames[: code.co_argcount]:
        return None
    return stub.replace(co_name=code.co_name, co_qualname=code.co_qualname, co_firstlineno=code.co_firstlineno, co_flags=code.co_flags)


def _marshalled_size(code, shared):
    """code's bytes in a .pyc, less the strings the module writes once for all its code
    (marshal refers back to them)."""
    return len(marshal.dumps(code)) - len(marshal.dumps(shared))


def _code_keys(code, counts):
    """How many code objects in the tree have each (qualname, first line): a stub is found
    by that pair (in its file), so only a unique one can be a stub."""
    key = (code.co_qualname, code.co_firstlineno)
    counts[key] = counts.get(key, 0) + 1
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _code_keys(const, counts)
    return counts


def _shake(code, ran, unique, bodies):
    consts = list(code.co_consts)
    for i, const in enumerate(consts):
        if not isinstance(const, types.CodeType):
            continue
        key = (const.co_filename, const.co_qualname, const.co_firstlineno)
        if key not in ran and unique(const):
            stub = _stub(const)
            shared = (const.co_filename,)
            if stub is not None and _marshalled_size(stub, shared) < _marshalled_size(const, shared):
                bodies.append(const)
                consts[i] = stub
                continue
        # It ran, or it cannot be a stub (a class body that did not run, a generator
        # expression): what it holds may still be.
        consts[i] = _shake(const, ran, unique, bodies)
    return code.replace(co_consts=tuple(consts))


def shake_pyc(data, ran, lines="full"):
    """The .pyc with every function that never ran (per ran: "filename\\tqualname\\tline"
    rows) replaced by a stub, and the real code objects as one marshalled tuple. Returns
    three little-endian u32 (the .pyc's length, the number of stubs, the length of the
    file name the stubs carry), then the .pyc, that name (UTF-8) and the bodies; only
    the zeros when nothing was stubbed."""
    if data[:4] != importlib.util.MAGIC_NUMBER:
        raise ValueError("built for another Python (magic number differs)")
    ran = {(f, q, int(n)) for f, q, n in (row.split("\t") for row in ran.split("\n") if row)}
    module = marshal.loads(data[16:])
    counts = _code_keys(module, {})
    filename = module.co_filename

    def unique(code):
        return code.co_filename == filename and counts[(code.co_qualname, code.co_firstlineno)] == 1

    bodies = []
    code = _shake(module, ran, unique, bodies)
    if not bodies:
        return bytes(12)
    if lines != "full":
        # Stubs are compiled here with columns; keep the bundle's choice.
        code = _strip(code, docstrings="keep", lines=lines)
    pyc = data[:16] + marshal.dumps(code)
    name = filename.encode()
    header = b"".join(n.to_bytes(4, "little") for n in (len(pyc), len(bodies), len(name)))
    return header + pyc + name + marshal.dumps(tuple(bodies))
