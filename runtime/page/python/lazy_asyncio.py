# asyncio and Pyodide's event loop made to wait until something uses them (runtime/page/loader/startup.mjs).
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
