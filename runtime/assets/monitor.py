"""Runs at Python start-up in the traced run (a .pth line in site-packages, written by
session.mjs before the interpreter starts): records every code object that starts
executing, from Pyodide's own start-up imports through the app and its scenarios.

A record is (co_filename, co_qualname, co_firstlineno): what a shipped .pyc's code
objects can be matched by. Each code object reports once (DISABLE turns its event off).
Modules imported before this ran (the codecs Python needs to start) are listed so that
the packer keeps them whole: their code may have run unseen.
"""

import sys

_monitoring = sys.monitoring
_TOOL = 5  # not one of the ids sys.monitoring reserves for debuggers, coverage, profilers
_ran = set()


def _started(code, offset):
    _ran.add((code.co_filename, code.co_qualname, code.co_firstlineno))
    return _monitoring.DISABLE


_monitoring.use_tool_id(_TOOL, "pyodide-packer")
_monitoring.register_callback(_TOOL, _monitoring.events.PY_START, _started)
_monitoring.set_events(_TOOL, _monitoring.events.PY_START)
sys._pyodide_packer_trace = (_ran, sorted(sys.modules))
