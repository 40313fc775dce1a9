# The finder of modules pack pruned: it fetches them from fallback/ (runtime/page/loader/fallback.mjs).
import importlib.machinery
import sys


class PrunedModuleFinder:
    def __init__(self, lookup, fetch, fetch_async, can_wait, mirror):
        self.lookup = lookup
        self.fetch = fetch
        self.fetch_async = fetch_async
        self.can_wait = can_wait
        self.mirror = mirror

    def put_back(self, fullname):
        # Where JSPI can suspend this import (and the loader says waiting costs nothing
        # more), the chunks come by fetch and the page stays responsive; elsewhere by a
        # synchronous request.
        if self.can_wait():
            from pyodide.ffi import can_run_sync, run_sync

            if can_run_sync():
                return run_sync(self.fetch_async(fullname))
        return self.fetch(fullname)

    def find_spec(self, fullname, path=None, target=None):
        if not self.lookup(fullname):
            return None
        if not self.put_back(fullname):
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: pyodide-packer pruned it because the traced run "
                f"did not import it; re-pack with a --scenario that imports it or --include {fullname}",
                name=fullname,
            )
        # As importlib.invalidate_caches() does for path finders, without its import of
        # importlib.metadata (3.13), which may be pruned too: folders the chunks made
        # are searched, and those that had files listed are listed again.
        for entry, finder in list(sys.path_importer_cache.items()):
            if finder is None:
                del sys.path_importer_cache[entry]
            elif hasattr(finder, "invalidate_caches"):
                finder.invalidate_caches()
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None and self.mirror is not None:
            # A stdlib module: its chunk wrote it to the folder beside the zip, which is
            # not on sys.path in 314; a submodule of a package imported from the zip is
            # there too.
            zip_root, folder = self.mirror
            moved = [folder] if path is None else [folder + entry[len(zip_root):] if entry.startswith(zip_root) else entry for entry in path]
            spec = importlib.machinery.PathFinder.find_spec(fullname, moved, target)
        return spec


def install(lookup, fetch, fetch_async, can_wait, mirror):
    sys.meta_path.append(PrunedModuleFinder(lookup, fetch, fetch_async, can_wait, mirror))
