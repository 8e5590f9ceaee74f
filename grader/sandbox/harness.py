"""Runs inside the sandbox: executes the submission, then the requested calls.

Everything here is untrusted once the student's code has run: the harness only
reports raw outputs (see codec.py) on the results channel, never a verdict.
Each task runs in a forked child so that one function that crashes, hangs or
calls ``os._exit`` costs only its own check. Standard library and numpy only.
"""

import json
import os
import resource
import select
import signal
import sys
import time
import traceback

codec = np = None  # imported in main(), after the limits are in force
RESULTS_FD = -1  # given on the command line
_sources = {}


class CellTimeout(BaseException):
    """Raised by the alarm when a cell exceeds its budget (not an Exception on purpose)."""


def _emit(record):
    data = (json.dumps(record, separators=(",", ":")) + "\n").encode()
    view = memoryview(data)
    while view:
        written = os.write(RESULTS_FD, view)
        view = view[written:]


def _where(tb):
    """The student's own line in a traceback, e.g. ``cell 3, line 5: x = W.dot(H)``."""
    found = None
    for frame, lineno in traceback.walk_tb(tb):
        name = frame.f_code.co_filename
        if name in _sources:
            lines = _sources[name].splitlines()
            text = lines[lineno - 1].strip() if 0 < lineno <= len(lines) else ""
            found = f"{name.strip('<>')}, line {lineno}: {text}"[:300]
    return found


def _describe(exc):
    return {
        "type": type(exc).__name__,
        "message": str(exc)[:500],
        "where": _where(exc.__traceback__),
    }


def _alarm(signum, frame):
    raise CellTimeout()


class _FakeIPython:
    def run_line_magic(self, *args, **kwargs):
        return None

    run_cell_magic = system = magic = run_line_magic


def _namespace(module_name):
    ns = {"__name__": module_name, "__builtins__": __builtins__}
    ns["get_ipython"] = lambda: _FakeIPython()
    ns["display"] = lambda *objs, **kw: print(*objs)
    return ns


def run_cells(cells, cell_seconds, module_name):
    ns = _namespace(module_name)
    sys.modules[module_name if module_name != "__main__" else "__student__"] = type(sys)(
        module_name
    )
    report = []
    for index, cell in enumerate(cells):
        # Again for every cell: an earlier cell may have ignored or replaced the handler.
        signal.signal(signal.SIGALRM, _alarm)
        filename = f"<{cell['name']}>"
        _sources[filename] = cell["source"]
        entry = {"index": index, "name": cell["name"], "status": "ok"}
        start = time.monotonic()
        try:
            code = compile(cell["source"], filename, "exec")
            signal.setitimer(signal.ITIMER_REAL, cell_seconds)
            try:
                exec(code, ns)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except CellTimeout:
            entry["status"] = "timeout"
        except SyntaxError as exc:
            entry["status"] = "error"
            entry["error"] = {
                "type": "SyntaxError",
                "message": str(exc.msg),
                "where": f"{cell['name']}, line {exc.lineno}: {(exc.text or '').strip()}"[:300],
            }
        except BaseException as exc:  # noqa: BLE001 - the student's code may raise anything
            entry["status"] = "error"
            entry["error"] = _describe(exc)
        entry["seconds"] = round(time.monotonic() - start, 4)
        report.append(entry)
    return ns, report


def _call(ns, name, args, kwargs):
    fn = ns.get(name)
    if fn is None:
        return {"error": {"type": "MissingFunction", "message": name, "where": None}}
    if not callable(fn):
        return {"error": {"type": "NotCallable", "message": name, "where": None}}
    try:
        value = fn(*args, **kwargs)
    except BaseException as exc:  # noqa: BLE001
        return {"error": _describe(exc)}
    try:
        return {"ok": codec.encode(value)}
    except BaseException as exc:  # noqa: BLE001 - e.g. an __array__ that raises
        return {"error": _describe(exc)}


def _plain(value):
    """0-d arrays arrive as Python numbers: ``seed=0`` must be an int, ``x=0.5`` a float."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if getattr(value, "ndim", None) == 0:
        return value.item()
    return value


def _decode_args(call):
    args = [_plain(codec.decode(a)) for a in call.get("args", [])]
    kwargs = {k: _plain(codec.decode(v)) for k, v in call.get("kwargs", {}).items()}
    return args, kwargs


def driver_call(ns, task):
    results = []
    for call in task["calls"]:
        args, kwargs = _decode_args(call)
        results.append(_call(ns, call["fn"], args, kwargs))
    return results


def _momentum_loop(ns, loop):
    X, T = codec.decode(loop["X"]), codec.decode(loop["T"])
    params = [codec.decode(p) for p in loop["params"]]
    velocities = [np.zeros_like(p) for p in params]
    trajectory = [list(params)]
    every = max(1, loop["iterations"] // loop.get("snapshots", 30))
    update_velocity, update_params = ns["update_velocity"], ns["update_params"]
    for i in range(loop["iterations"]):
        velocities = update_velocity(
            X, T, params, velocities, loop["momentum"], loop["learning_rate"]
        )
        params = update_params(params, velocities)
        if (i + 1) % every == 0:
            trajectory.append(list(params))
    return [list(params), trajectory]


def driver_momentum(ns, task):
    """The tutorial's training loop, driven by the student's own update functions."""
    for name in ("update_velocity", "update_params"):
        if not callable(ns.get(name)):
            error = {"error": {"type": "MissingFunction", "message": name, "where": None}}
            return [error for _ in task["loops"]]
    results = []
    for loop in task["loops"]:
        try:
            results.append({"ok": codec.encode(_momentum_loop(ns, loop))})
        except BaseException as exc:  # noqa: BLE001
            results.append({"error": _describe(exc)})
    return results


DRIVERS = {"call": driver_call, "momentum": driver_momentum}


def _run_child(ns, task):
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.setitimer(signal.ITIMER_REAL, task["seconds"])
    try:
        results = DRIVERS[task["driver"]](ns, task)
        _emit({"event": "task", "id": task["id"], "results": results})
    except BaseException as exc:  # noqa: BLE001
        _emit({"event": "task", "id": task["id"], "crash": _describe(exc)})
    finally:
        os._exit(0)


def run_task(ns, task):
    sys.stdout.flush()
    sys.stderr.flush()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            _run_child(ns, task)
        finally:
            os._exit(70)
    timed_out = False
    try:
        fd = os.pidfd_open(pid)
        ready, _, _ = select.select([fd], [], [], task["seconds"] + 0.5)
        if not ready:
            timed_out = True
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    except ChildProcessError:
        status = 0
    _emit(
        {
            "event": "end",
            "id": task["id"],
            "timeout": timed_out or os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGALRM,
            "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            "seconds": round(time.monotonic() - start, 4),
        }
    )


def _prime_matplotlib(env_dir):
    """Copy the font cache built at set-up: rebuilding it costs a second per run."""
    prebuilt = os.path.join(env_dir, "mplconfig")
    target = os.environ.get("MPLCONFIGDIR")
    if target and os.path.isdir(prebuilt) and not os.path.exists(target):
        import shutil

        shutil.copytree(prebuilt, target)


def apply_limits(limits):
    """Soft and hard limits alike, before any student code runs, so none can be raised."""
    for name, value in limits.items():
        resource.setrlimit(getattr(resource, name), (value, value))


def main():
    global codec, np, RESULTS_FD
    RESULTS_FD = int(sys.argv[3])
    # Inherited descriptors (the directories bwrap bound) lead back to the host: close them.
    os.closerange(3, RESULTS_FD)
    os.closerange(RESULTS_FD + 1, 1 << 16)
    _emit({"event": "start"})
    with open(sys.argv[1], encoding="utf-8") as fh:
        job = json.load(fh)
    apply_limits(job["rlimits"])
    sys.path[:0] = [os.path.dirname(os.path.abspath(__file__)), sys.argv[2]]
    import codec
    import numpy as np

    _prime_matplotlib(sys.argv[2])
    os.makedirs(job["cwd"], exist_ok=True)
    os.chdir(job["cwd"])
    ns, report = run_cells(job["cells"], job["cell_seconds"], job["module"])
    _emit({"event": "load", "cells": report})
    for task in job["tasks"]:
        run_task(ns, task)
    _emit({"event": "done"})
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
