# The loader's body helper: a stub's first call loads its real code (runtime/page/loader/bodies.mjs).
import builtins
import functools
import gc
import marshal
import os
import sys
import types
import weakref

HELPER = "__pyodide_packer_body__"
STUB_NAMES = (HELPER,)
VARARGS, VARKEYWORDS = 0x4, 0x8


def install(directory, fetch, enabled, report, tally):
    files = {}  # co_filename → {(qualname, first line): real code}, once on disk
    given = set()  # the stubs (file, qualname, first line) whose real code ran or was swapped in

    def bodies_of(filename):
        found = files.get(filename)
        if found is None:
            path = f"{directory}/{filename.lstrip('/')}"
            if not os.path.exists(path):
                return None
            with open(path, "rb") as file:
                found = files[filename] = {(c.co_qualname, c.co_firstlineno): c for c in marshal.loads(file.read())}
        return found

    def is_stub(code):
        return code.co_names == STUB_NAMES

    pending = {}  # co_filename → the functions holding its stubs that the last walk found
    walked = set()  # the stubs (file, qualname, first line) the last walk found

    def walk():
        # One walk over the heap finds every stub; a file's are given their code when
        # its first one is called, so a call unmarshals only the file it is in.
        pending.clear()
        walked.clear()
        for function in [o for o in gc.get_objects() if type(o) is types.FunctionType]:
            stub = function.__code__
            if is_stub(stub):
                pending.setdefault(stub.co_filename, []).append(weakref.ref(function))
                walked.add((stub.co_filename, stub.co_qualname, stub.co_firstlineno))

    def give(filename):
        found = bodies_of(filename)
        if found is None:
            return
        for ref in pending.pop(filename, ()):
            function = ref()
            if function is None or not is_stub(stub := function.__code__):
                continue
            code = found.get((stub.co_qualname, stub.co_firstlineno))
            # A stub whose flags were changed since (types.coroutine) stays one.
            if code is not None and code.co_flags == stub.co_flags:
                function.__code__ = code
                given.add((filename, stub.co_qualname, stub.co_firstlineno))
        tally(len(given))

    def swap():
        # After a prefetch: every stub whose file has bodies on disk.
        walk()
        for filename in list(pending):
            give(filename)

    def arguments(stub, frame):
        names, plain, keyword = stub.co_varnames, stub.co_argcount, stub.co_kwonlyargcount
        local = frame.f_locals
        args = [local[n] for n in names[:plain]]
        kwargs = {n: local[n] for n in names[plain:plain + keyword]}
        end = plain + keyword
        if stub.co_flags & VARARGS:
            args.extend(local[names[end]])
            end += 1
        if stub.co_flags & VARKEYWORDS:
            kwargs.update(local[names[end]])
        return args, kwargs

    called = set()  # stubs called once: a walk has had its chance at them

    def body(cells=None):
        caller = sys._getframe(1)
        stub = caller.f_code
        key = (stub.co_filename, stub.co_qualname, stub.co_firstlineno)
        if key not in called:
            if bodies_of(stub.co_filename) is None:
                if not enabled:
                    report("refused", *key)
                    raise RuntimeError(
                        f"pyodide-packer: {stub.co_qualname} ({stub.co_filename}:{stub.co_firstlineno}) did not run "
                        "when pack traced the app, and this run loads no deferred bodies; re-pack with a --scenario "
                        "that calls it, or --keep-bodies for its module"
                    )
                fetch(stub.co_filename)
            called.add(key)
            if enabled != "record":
                # A stub the last walk did not find, or whose file's were given since: it
                # was made after that walk (a module imported or reloaded since).
                if key not in walked or stub.co_filename not in pending:
                    walk()
                give(stub.co_filename)
        found = bodies_of(stub.co_filename)
        code = found and found.get(key[1:])
        if code is None:
            raise RuntimeError(f"pyodide-packer: the bundle holds no body for {stub.co_qualname} ({stub.co_filename}:{stub.co_firstlineno})")
        closure = None
        if cells is not None:
            by_name = dict(zip(cells.__code__.co_freevars, cells.__closure__))
            closure = tuple(by_name[name] for name in code.co_freevars)
        if key not in given:
            given.add(key)
            tally(len(given))
        args, kwargs = arguments(stub, caller)
        # The stub calls what this returns at once; partial adds no frame to a traceback.
        return functools.partial(types.FunctionType(code, caller.f_globals, code.co_name, None, closure), *args, **kwargs)

    if enabled == "record":
        # As the trace's monitor.py does: every code object that starts, stubs, the
        # bodies they load and what those call alike.
        monitoring = sys.monitoring

        def started(code, offset):
            report("called", code.co_filename, code.co_qualname, code.co_firstlineno)
            return monitoring.DISABLE

        monitoring.use_tool_id(5, "pyodide-packer")
        monitoring.register_callback(5, monitoring.events.PY_START, started)
        monitoring.set_events(5, monitoring.events.PY_START)
    setattr(builtins, HELPER, body)
    return swap
