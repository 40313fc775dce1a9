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


def start_asyncio():
    """Where asyncio waited through the whole run (loader/startup.mjs): starts it, as a page
    would on a later click, and gives what that imported, as imported_modules() does. The
    bundle ships those apart, for the loader to put back when asyncio starts."""
    lazy = getattr(sys, "_pyodide_packer_lazy_asyncio", None)
    if lazy is None or not lazy.is_waiting():
        return []
    before = set(sys.modules)
    lazy.activate()
    return [row for row in imported_modules() if row[0] not in before]


def code_that_ran():
    """(filename, qualname, first line) of every code object that started, sorted, and
    the modules imported before monitor.py could record (empty without it)."""
    ran, early = getattr(sys, "_pyodide_packer_trace", (set(), []))
    return sorted(ran), list(early)


def watch_installs(request_install):
    """Once the app imports micropip, its install first has request_install (the host)
    install what was asked from pack's own sources, then runs as it would: it finds all
    of it installed, as it will in the bundle, which holds the same files."""

    class PatchMicropip:
        @staticmethod
        def find_spec(name, path=None, target=None):
            if name != "micropip":
                return None
            sys.meta_path.remove(PatchMicropip)
            from importlib.util import find_spec

            spec = find_spec(name)
            if spec is None or spec.loader is None:
                return spec
            exec_module = spec.loader.exec_module

            def patched(module):
                exec_module(module)
                real = module.install

                async def install(requirements, *args, **kwargs):
                    names = [requirements] if isinstance(requirements, str) else list(requirements)
                    await request_install(names, "micropip.install")
                    return await real(requirements, *args, **kwargs)

                install.__wrapped__ = real
                install.__doc__ = real.__doc__
                module.install = install

            spec.loader.exec_module = patched
            return spec

    sys.meta_path.insert(0, PatchMicropip)


_listed = set()


def watch_listings():
    """Records every directory the app lists: os.listdir and os.scandir, so os.walk, glob,
    pathlib's iterdir and importlib.resources too. The import system lists through the
    posix module itself, which stays as it was, so its own listings do not count."""
    import os

    def record(path):
        if isinstance(path, int):
            return
        try:
            _listed.add(os.path.realpath(os.fsdecode(path)))
        except (TypeError, ValueError):
            pass

    listdir, scandir = os.listdir, os.scandir

    def traced_listdir(path="."):
        names = listdir(path)
        record(path)
        return names

    def traced_scandir(path="."):
        entries = scandir(path)
        record(path)
        return entries

    for traced, real in ((traced_listdir, listdir), (traced_scandir, scandir)):
        traced.__name__, traced.__qualname__, traced.__doc__ = real.__name__, real.__qualname__, real.__doc__
    os.listdir, os.scandir = traced_listdir, traced_scandir


def attempted_imports():
    """Every module name the app tried to import that sys.modules does not hold: not
    found, or found and failed (an ImportError inside, caught by the app). The bundle
    ships the files of the second kind, so that it fails the same way without reaching
    for the fallback."""
    return sorted(_attempted - set(sys.modules))


def source_read():
    """The files whose lines were read through linecache, sorted: inspect.getsource, a
    traceback or a warning that shows its line. The bundle ships them as they are, so
    that the same reads find the same text (a .pyc has none; minified text differs)."""
    linecache = sys.modules.get("linecache")
    if linecache is None:
        return []
    # A lazy entry (one item) holds a way to read the lines, not the lines.
    return sorted(name for name, entry in linecache.cache.items() if name.startswith("/") and len(entry) == 4)


def docs_read():
    """(file, reader) of every module whose docstrings a docstring reader looked at
    (monitor.py: help, pydoc, inspect.getdoc, cmd's help), sorted: the bundle keeps
    those modules' docstrings, whatever else it strips."""
    rows = []
    for name, reader in getattr(sys, "_pyodide_packer_docs", {}).items():
        # Not through a lazy module's __getattr__ (lazy asyncio would start).
        file = getattr(sys.modules.get(name), "__dict__", {}).get("__file__")
        if isinstance(file, str):
            rows.append((file, reader))
    return sorted(rows)


def listed_dirs():
    """The directories the app listed, sorted."""
    return sorted(_listed)


_attempted = set()


def watch_imports(on_import):
    """Tells on_import the name of every module the app starts to import, first on
    sys.meta_path: the host's last sign of life when an app stalls. Each name is kept for
    attempted_imports()."""

    class ReportImports:
        @staticmethod
        def find_spec(name, path=None, target=None):
            _attempted.add(name)
            on_import(name)
            return None

    sys.meta_path.insert(0, ReportImports)
