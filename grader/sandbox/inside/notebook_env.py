"""Runs inside the sandbox: what a notebook finds in Jupyter, without a kernel.

Jupyter gives every notebook ``get_ipython()`` and ``display`` without an import,
answers ``input()`` from a person, and stops a cell at an import it cannot find.
Here: a shell stand-in whose magics do nothing (the real IPython package, when the
student environment has it, answers the same stand-in from its own
``get_ipython``), an ``input()`` that answers an empty line with a note, and a
top-level import of a package the environment lacks that binds a placeholder and
lets the rest of the cell run: only code that *uses* the package fails, with
``No module named ...``, which the trusted side turns into one clear line.
Standard library only, like the harness.
"""

import ast
import builtins
import importlib.machinery
import importlib.util
import sys
import types

MAX_INPUTS = 100


class _Inert:
    """Whatever a kernel-only attribute is asked for: callable, iterable, empty, harmless."""

    def __call__(self, *args, **kwargs):
        return None

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self

    def __iter__(self):
        return iter(())

    def __contains__(self, item):
        return False

    def __bool__(self):
        return False


class FakeIPython:
    """``get_ipython()`` of a notebook without a kernel: magics and shell commands do nothing."""

    def __init__(self, user_ns=None):
        self.user_ns = user_ns if user_ns is not None else {}
        self.config = {}
        self.kernel = None

    def run_line_magic(self, *args, **kwargs):
        return None

    run_cell_magic = system = magic = run_line_magic

    def getoutput(self, *args, **kwargs):
        return []

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Inert()


_SHELL = FakeIPython()


def get_ipython():
    return _SHELL


def display(*objs, **kwargs):
    """What IPython's own ``display`` does when no kernel is listening."""
    print(*objs)


_inputs = 0


def no_input(prompt=""):
    """Nobody types while grading: answer an empty line (as Enter would), say so once, and
    give up with EOFError if the code keeps asking (a loop waiting for a key)."""
    global _inputs
    _inputs += 1
    if _inputs > MAX_INPUTS:
        raise EOFError(
            f"input() was called {MAX_INPUTS} times while grading, where nobody types: "
            "put the values in the code instead"
        )
    note = (
        " [grader: nobody types while grading, input() answers an empty line]"
        if _inputs == 1
        else ""
    )
    print(f"{prompt}{note}")
    return ""


class _ShellForIPython:
    """Import hook: once the real ``IPython.core.getipython`` loads, its ``get_ipython``
    answers the stand-in (without a kernel it would answer None)."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "IPython.core.getipython":
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            module.get_ipython = get_ipython

        spec.loader.exec_module = exec_module
        return spec


def install(ns):
    """Make the process look like a kernel-less Jupyter to the code about to run in ``ns``."""
    _SHELL.user_ns = ns
    ns["get_ipython"] = get_ipython
    ns["display"] = display
    builtins.input = no_input
    sys.meta_path.insert(0, _ShellForIPython())
    loaded = sys.modules.get("IPython.core.getipython")  # already imported (a warm sandbox)
    original = getattr(loaded, "get_ipython", None)
    if original is not None:
        for module in list(sys.modules.values()):
            if module is not None and module.__dict__.get("get_ipython") is original:
                module.get_ipython = get_ipython


# -- imports of packages the environment does not have -------------------------------------


class Unavailable(types.ModuleType):
    """Stands for a module the code cannot use, so that the import itself goes on and only
    the code that uses it fails: a package the environment lacks (ModuleNotFoundError), or
    what a module the assignment forbids offers (``forbidden``: ImportError, see the
    harness's ``block_imports``)."""

    def __init__(self, name, forbidden=False):
        super().__init__(name)
        self._unavailable_forbidden = forbidden

    def _fail(self):
        if self._unavailable_forbidden:
            raise ImportError(f"`{self.__name__}` is not allowed in this assignment")
        raise ModuleNotFoundError(f"No module named '{self.__name__}'", name=self.__name__)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        self._fail()

    def __call__(self, *args, **kwargs):
        self._fail()


def _top(name):
    return (name or "").split(".")[0]


def _missing_package(exc):
    """The top-level package of a ModuleNotFoundError, if the environment has no such package."""
    top = _top(getattr(exc, "name", None))
    if not top:
        return None
    try:
        found = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        found = None
    return top if found is None else None


def _statement_at(exc, body, filename):
    """Index of the top-level statement of ``body`` whose own line raised ``exc``."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename == filename and code.co_name == "<module>":
            line = tb.tb_lineno
        tb = tb.tb_next
    for index, stmt in enumerate(body):
        if line is not None and stmt.lineno <= line <= (stmt.end_lineno or stmt.lineno):
            return index
    return None


def _imports(stmt, package):
    """The names ``stmt`` binds from ``package``, or None if it is not an import of it."""
    if isinstance(stmt, ast.Import):
        names = [a for a in stmt.names if _top(a.name) == package]
        if not names:
            return None
        return [a.asname or _top(a.name) for a in names]
    if isinstance(stmt, ast.ImportFrom) and stmt.level == 0 and _top(stmt.module) == package:
        return [a.asname or a.name for a in stmt.names if a.name != "*"]
    return None


def run_cell(source, filename, ns):
    """Run one cell like ``exec``; a top-level import of a package the environment lacks
    binds placeholders and the cell goes on."""
    code, body = compile(source, filename, "exec"), None
    while True:
        try:
            exec(code, ns)
            return
        except ModuleNotFoundError as exc:
            package = _missing_package(exc)
            if body is None:
                body = ast.parse(source, filename).body
            index = _statement_at(exc, body, filename) if package else None
            names = _imports(body[index], package) if index is not None else None
            if names is None:
                raise
            stmt = body[index]
            for name in names:
                ns[name] = Unavailable(package)
            rest = body[index + 1 :]
            if isinstance(stmt, ast.Import):  # import numpy, torch, scipy: the others still count
                others = [a for a in stmt.names if _top(a.name) != package]
                rest = [ast.copy_location(ast.Import(names=[a]), stmt) for a in others]
                rest += body[index + 1 :]
            body = rest
            module = ast.fix_missing_locations(ast.Module(body=body, type_ignores=[]))
            code = compile(module, filename, "exec")
