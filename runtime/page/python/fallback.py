# The finder of modules pack pruned: it fetches them from fallback/ (runtime/page/loader/fallback.mjs).
import importlib
import importlib.machinery
import sys


class PrunedModuleFinder:
    def __init__(self, lookup, fetch):
        self.lookup = lookup
        self.fetch = fetch

    def find_spec(self, fullname, path=None, target=None):
        if not self.lookup(fullname):
            return None
        if not self.fetch(fullname):
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: pyodide-packer pruned it because the traced run "
                f"did not import it; re-pack with a --scenario that imports it or --include {fullname}",
                name=fullname,
            )
        importlib.invalidate_caches()
        return importlib.machinery.PathFinder.find_spec(fullname, path, target)


def install(lookup, fetch):
    sys.meta_path.append(PrunedModuleFinder(lookup, fetch))
