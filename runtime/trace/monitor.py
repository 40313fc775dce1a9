"""Runs at Python start-up in the traced run (a .pth line in site-packages, written by
session.mjs before the interpreter starts): records every code object that starts
executing, from Pyodide's own start-up imports through the app and its scenarios, and
whose docstrings the stdlib's docstring readers looked at.

A record is (co_filename, co_qualname, co_firstlineno): what a shipped .pyc's code
objects can be matched by. Each code object reports once (DISABLE turns its event off),
except the docstring readers, which report every call. Modules imported before this ran
(the codecs Python needs to start) are listed so that the packer keeps them whole: their
code may have run unseen.
"""

import sys

_monitoring = sys.monitoring
_TOOL = 5  # not one of the ids sys.monitoring reserves for debuggers, coverage, profilers
_ran = set()

# The stdlib's docstring readers, by qualname → the files they live in; each one's first
# argument is the object whose docstring it reads (cmd's: the instance whose do_* methods'
# docstrings it prints). help() and pydoc reach every docstring through pydoc's two;
# inspect.getdoc follows inheritance (_finddoc), as pydoc's getdoc does.
_DOC_READERS = {
    "getdoc": ("/inspect.py", "/pydoc.py"),
    "_getowndoc": ("/pydoc.py",),
    "Cmd.do_help": ("/cmd.py",),
}
# Module name → the first reader that looked at a docstring from it.
_docs = {}
_module_type = type(sys)
_function_type = type(lambda: None)
_method_type = type((lambda: None).__get__(0))


def _note(module, reader):
    if isinstance(module, str) and module not in _docs:
        _docs[module] = reader


def _look(obj, reader, depth=0):
    """Notes the modules obj's docstring may come from: its own, and those of the classes
    a reader takes an inherited docstring from (the class's bases; a method's class's).
    Reads only what types define, never an attribute an object's own code would answer."""
    if depth > 3:
        return
    kind = type(obj)
    if issubclass(kind, _module_type):
        _note(obj.__name__, reader)
    elif issubclass(kind, type):
        for base in obj.__mro__:
            _note(base.__module__, reader)
    elif kind is _function_type:
        _note(obj.__module__, reader)
        # A method's docstring may come from the same method of a base class.
        holder = sys.modules.get(obj.__module__)
        for name in obj.__qualname__.split(".")[:-1]:
            holder = _attrs(holder).get(name) if name != "<locals>" else None
        if issubclass(type(holder), type):
            _look(holder, reader, depth + 1)
    elif kind is _method_type:
        _look(obj.__func__, reader, depth + 1)
        _look_owner(obj.__self__, reader, depth + 1)
    elif issubclass(kind, property):
        _look(obj.fget, reader, depth + 1)
    else:
        # A descriptor of a class, a bound builtin, or an instance (pydoc documents its
        # class); a wrapper that copied what it wraps (functools.wraps on a callable object).
        attrs = _attrs(obj)
        _note(attrs.get("__module__"), reader)
        if "__wrapped__" in attrs:
            _look(attrs["__wrapped__"], reader, depth + 1)
        for name in ("__objclass__", "__self__"):
            try:
                owner = object.__getattribute__(obj, name)
            except (AttributeError, TypeError):
                continue
            _look_owner(owner, reader, depth + 1)
        _look(kind, reader, depth + 1)


def _attrs(obj):
    """obj's own namespace (a module's, a class's, an instance's), or {}: never through a
    __getattr__ of its own (a lazy module's would load it)."""
    try:
        attrs = object.__getattribute__(obj, "__dict__")
    except (AttributeError, TypeError):
        return {}
    return attrs if hasattr(attrs, "get") else {}


def _look_owner(owner, reader, depth):
    """A method's or descriptor's owner: a class or module as it is, an instance by its class."""
    kind = type(owner)
    _look(owner if issubclass(kind, (_module_type, type)) else kind, reader, depth)


def _started(code, offset):
    _ran.add((code.co_filename, code.co_qualname, code.co_firstlineno))
    files = _DOC_READERS.get(code.co_qualname)
    if files is None or not code.co_filename.endswith(files):
        return _monitoring.DISABLE
    try:
        reader = f"{code.co_filename.rsplit('/', 1)[1][:-3]}.{code.co_qualname}"
        _look(sys._getframe(1).f_locals[code.co_varnames[0]], reader)
    except Exception:
        pass
    # Every call: each may look at another object.
    return None


_monitoring.use_tool_id(_TOOL, "pyodide-packer")
_monitoring.register_callback(_TOOL, _monitoring.events.PY_START, _started)
_monitoring.set_events(_TOOL, _monitoring.events.PY_START)
sys._pyodide_packer_trace = (_ran, sorted(sys.modules))
sys._pyodide_packer_docs = _docs
