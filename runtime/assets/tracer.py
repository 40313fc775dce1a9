"""Runs inside Pyodide after the app: reports every imported module and where it came from.

Imports nothing, so that reporting adds no module to what the app imported.
"""

import sys


def imported_modules():
    """One (name, file, origin) triple per module in sys.modules, sorted by name.

    ``file`` is ``__file__`` (the stdlib's files live in the zip, so the FS trace does
    not show them); ``origin`` is ``__spec__.origin`` ("frozen" and "built-in" mark
    modules with no file to ship).
    """
    snapshot = list(sys.modules.items())
    rows = []
    for name, module in snapshot:
        spec = getattr(module, "__spec__", None)
        origin = getattr(spec, "origin", None)
        file = getattr(module, "__file__", None)
        rows.append((
            name,
            file if isinstance(file, str) else None,
            origin if isinstance(origin, str) else None,
        ))
    rows.sort()
    return rows


def code_that_ran():
    """(filename, qualname, first line) of every code object that started, sorted, and
    the modules imported before monitor.py could record (empty without it)."""
    ran, early = getattr(sys, "_pyodide_packer_trace", (set(), []))
    return sorted(ran), list(early)
