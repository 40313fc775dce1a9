# The loader's hook first in asyncio's start, and the stdlib zip it adds to (runtime/page/loader/startup.mjs).
import sys


def before_asyncio(hook):
    lazy = getattr(sys, "_pyodide_packer_lazy_asyncio", None)
    if lazy is not None:
        lazy.before.append(hook)
    return next(path for path in sys.path if path.endswith(".zip"))


def reread(mount):
    # importlib.invalidate_caches() would import importlib.metadata
    for importer in list(sys.path_importer_cache.values()):
        if getattr(importer, "archive", None) == mount:
            importer.invalidate_caches()
