# A bundle's stdlib modules name the source they were compiled from (runtime/page/loader/startup.mjs).
import sys
import zipimport

stdlib = next(path for path in sys.path if path.endswith(".zip"))
get_filename = zipimport.zipimporter.get_filename


def source_name(self, fullname):
    path = get_filename(self, fullname)
    return path[:-1] if path.endswith(".pyc") and self.archive == stdlib else path


zipimport.zipimporter.get_filename = source_name
for module in list(sys.modules.values()):
    attrs = getattr(module, "__dict__", {})
    spec = attrs.get("__spec__")
    path = attrs.get("__file__")
    if spec is None or not isinstance(path, str) or not path.endswith(".pyc") or not path.startswith(stdlib + "/"):
        continue
    spec.origin = module.__file__ = path[:-1]
    # Worked out again from the origin when read.
    spec.cached = None
    module.__cached__ = spec.cached
