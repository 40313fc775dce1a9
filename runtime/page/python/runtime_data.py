# The finder that puts the runtime's deferred data back before a built-in module that
# reads it is imported (runtime/page/loader/runtime-data.mjs). It finds no module itself:
# Python's built-in importer, after it, does.
import sys


class RuntimeDataFinder:
    def __init__(self, modules, fill):
        self.modules = set(modules)
        self.fill = fill

    def find_spec(self, fullname, path=None, target=None):
        if fullname in self.modules:
            self.modules.discard(fullname)
            if not self.fill(fullname):
                self.modules.add(fullname)
                raise ImportError(
                    f"{fullname} cannot be imported: pyodide-packer deferred the data it "
                    "reads in the runtime's memory (the traced run did not import it), "
                    "and this run may not load it",
                    name=fullname,
                )
        return None


def install(modules, fill):
    sys.meta_path.insert(0, RuntimeDataFinder(modules, fill))
