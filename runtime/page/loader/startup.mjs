// @ts-check
// What runs in Python's own start-up, before Pyodide imports anything: asyncio and
// Pyodide's event loop made to wait until something uses them. The trace and every
// bundle boot through this, so both import the same modules. A bundle ships what
// starting them imports apart, and puts it back first when they start.
import { readResource, readResourceSync } from "./resources.mjs";
import { joinZips } from "../../shared/zip.mjs";

// Pyodide's start-up imports asyncio (its core keeps the module) and starts its event
// loop (pyodide.webloop): some 40 modules that an app which never awaits does not need.
// Here both are modules whose body runs on the first read of an attribute they lack, the
// import of an asyncio submodule, or a time.sleep that could suspend; then the event loop
// starts as Pyodide's start-up would have started it.
const LAZY_ASYNCIO = `
import sys
import time
from functools import wraps
from importlib.machinery import ModuleSpec, PathFinder
from importlib.util import module_from_spec

LAZY = ("asyncio", "pyodide.webloop")
# name: (module, its real spec) for a lazy module whose body has not run
waiting = {}
state = {"loop": False, "active": False}
sleep = time.sleep
# called first when asyncio starts: the loader's, which puts back the modules it imports
before = []


def start_loop_later():
    state["loop"] = True


def activate():
    if state["active"] or not waiting:
        return
    for hook in before:
        hook()
    state["active"] = True
    # webloop keeps the time.sleep it finds to fall back on
    time.sleep = sleep
    for name in LAZY:
        module, spec = waiting.pop(name, (None, None))
        if module is not None:
            del module.__getattr__
            spec.loader.exec_module(module)
    if state["loop"]:
        sys.modules["pyodide.webloop"]._initialize_event_loop()


# Kept by code that imported them while asyncio waited: once it has started, the real ones.
def current_task(loop=None):
    if not state["active"] and loop is None:
        raise RuntimeError("no running event loop")
    activate()
    return sys.modules["asyncio.tasks"].current_task(loop)


def get_running_loop():
    if not state["active"]:
        raise RuntimeError("no running event loop")
    return sys.modules["asyncio.events"].get_running_loop()


def _get_running_loop():
    return sys.modules["asyncio.events"]._get_running_loop() if state["active"] else None


class Adopt:
    # The loader of a spec for a module that exists already: the import system takes it
    # as it is, and the module keeps its own spec.
    def __init__(self, module, spec):
        self.module, self.spec = module, spec

    def create_module(self, spec):
        return self.module

    def exec_module(self, module):
        module.__spec__ = self.spec


def adopt(name, module, spec):
    return ModuleSpec(name, Adopt(module, spec), origin=spec.origin, is_package=spec.submodule_search_locations is not None)


def waiting_module(name, path):
    spec = PathFinder.find_spec(name, path)
    if spec is None:
        return None
    module = module_from_spec(spec)

    def __getattr__(attr):
        # the import system asks every module it imports whether it is a package
        if attr == "__path__":
            raise AttributeError(attr)
        activate()
        if name in waiting:
            # read while asyncio itself starts: as a module still importing would answer
            raise AttributeError(f"module {name!r} has no attribute {attr!r}")
        return getattr(module, attr)

    module.__getattr__ = __getattr__
    if name == "pyodide.webloop":
        module._initialize_event_loop = start_loop_later
    if name == "asyncio":
        # What code asks of asyncio without using it (logging, of every record: its task)
        # has one answer while asyncio waits: nothing runs.
        module.current_task = current_task
        module.get_running_loop = get_running_loop
        module._get_running_loop = _get_running_loop
    waiting[name] = (module, spec)
    return adopt(name, module, spec)


class LazyAsyncio:
    before = before
    activate = staticmethod(activate)
    is_waiting = staticmethod(lambda: bool(waiting) and not state["active"])

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name in LAZY and not state["active"] and name not in waiting:
            return waiting_module(name, path)
        if name.startswith("asyncio.") and "asyncio" in waiting and not state["active"]:
            activate()
            module = sys.modules.get(name)
            if module is not None:
                # asyncio's body imported it, and the import system takes the spec of a
                # module found in sys.modules by then
                module.__spec__ = adopt(name, module, module.__spec__)
                return module.__spec__
        return None


@wraps(sleep)
def sleep_or_suspend(seconds):
    from pyodide.ffi import can_run_sync

    if can_run_sync():
        activate()
    return (sleep if time.sleep is sleep_or_suspend else time.sleep)(seconds)


sys.meta_path.insert(0, LazyAsyncio)
sys._pyodide_packer_lazy_asyncio = LazyAsyncio
time.sleep = sleep_or_suspend
`;

// A bundle's stdlib holds .pyc that pack compiled from the .py stock holds: its modules
// name their source, as stock's do (help(json) prints FILE, __cached__ is the
// __pycache__ name). Modules imported before this ran are named anew too.
const SOURCE_NAMES = `
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
`;

/**
 * loadPyodide's fsInit for a run with asyncio made to wait (lazy) or as Pyodide starts
 * it; then fsInit, the caller's own. sourceNames (a bundle's): its stdlib's modules name
 * the source they were compiled from.
 * @param {boolean} lazy
 * @param {((FS: any, info: { sitePackages: string }) => Promise<void> | void) | undefined} [fsInit]
 * @param {{ sourceNames?: boolean }} [options]
 */
export function startupFsInit(lazy, fsInit, { sourceNames = false } = {}) {
  return async (/** @type {any} */ FS, /** @type {{ sitePackages: string }} */ info) => {
    if (sourceNames) {
      FS.writeFile(`${info.sitePackages}/pyodide-packer-0-source-names.pth`, `import sys; exec(compile(${JSON.stringify(SOURCE_NAMES)}, "<pyodide-packer start-up>", "exec"), {})\n`);
    }
    if (lazy) {
      // site runs a .pth line that starts with "import" before Pyodide's start-up; a JSON
      // string is a Python string literal too.
      FS.writeFile(`${info.sitePackages}/pyodide-packer-1-lazy-asyncio.pth`, `import sys; exec(compile(${JSON.stringify(LAZY_ASYNCIO)}, "<pyodide-packer start-up>", "exec"), {})\n`);
    }
    await fsInit?.(FS, info);
  };
}

// The loader's hook first in asyncio's start (absent where the page booted Pyodide
// itself, loadBundle's options.pyodide), and the stdlib zip it adds to.
const ASYNCIO_START_HOOK = `
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
`;

/**
 * Puts archive (the modules starting asyncio imports) into the stdlib when asyncio
 * starts, read at once if no prefetch did; the returned prefetch reads it in the
 * background. enabled false: nothing is put back (validation: what the bundle holds
 * must do).
 * @param {any} pyodide
 * @param {URL} archive
 * @param {{ enabled: boolean, fs?: typeof import("node:fs") }} options
 * @returns {() => Promise<void>}
 */
export function installAsyncioStart(pyodide, archive, { enabled, fs }) {
  if (!enabled) return async () => {};
  let added = false;
  const add = (/** @type {Uint8Array} */ data) => {
    if (added) return;
    added = true;
    // Joined here: Python's zipfile would import a codec the bundle may not hold.
    pyodide.FS.writeFile(mount, joinZips(pyodide.FS.readFile(mount), data));
    reread(mount);
  };
  const scope = pyodide.toPy({});
  pyodide.runPython(ASYNCIO_START_HOOK, { globals: scope, filename: "<pyodide-packer asyncio start>" });
  const mount = scope.get("before_asyncio")(() => {
    if (!added) add(readResourceSync(archive, fs));
  });
  const reread = scope.get("reread");
  scope.destroy();
  return async () => {
    if (!added) add(await readResource(archive));
  };
}
