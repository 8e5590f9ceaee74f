"""Runs inside the sandbox: executes the submission, then the requested calls.

Everything here is untrusted once the student's code has run: the harness only
reports raw outputs (see codec.py) on the results channel, never a verdict. The job it
reads and the records it writes are those of protocol.py.
Each task runs in a forked child so that one function that crashes, hangs or
calls ``os._exit`` costs only its own check. Standard library and numpy only.

As the sandbox's pid 1 (bwrap ``--as-pid-1``) it never runs the student's code: it forks
one worker, which does all of the above, and only reaps processes until the worker ends
(``supervise``). The run's guarantee that nothing of it outlives the grader rests on that
pid 1 keeping its parent-death signal, which code of the student's could lose (a thread that
calls execve becomes the process, and a new thread has no parent-death signal).
"""

import contextlib
import json
import os
import resource
import select
import signal
import sys
import time
import traceback

# imported in main(), after the limits are in force
codec = np = notebook_env = protocol = training = None
RESULTS_FD = -1  # given on the command line
_sources: dict[str, str] = {}
MAX_WATCHED = 16  # arguments (and list items) watched for in-place changes


class CellTimeout(BaseException):
    """Raised by the alarm when a cell exceeds its budget (not an Exception on purpose)."""


def _emit(event, **fields):
    view = memoryview(protocol.line(event, **fields))
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


def _namespace(module_name):
    """A notebook's globals, with what Jupyter provides without an import (notebook_env.py)."""
    ns = {"__name__": module_name, "__builtins__": __builtins__}
    notebook_env.install(ns)
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
            signal.setitimer(signal.ITIMER_REAL, cell_seconds)
            try:
                notebook_env.run_cell(cell["source"], filename, ns)
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
    before = _snapshot(args)
    try:
        value = fn(*args, **kwargs)
    except BaseException as exc:  # noqa: BLE001
        return {"error": _describe(exc)}
    try:
        record = {"ok": codec.encode(value)}
    except BaseException as exc:  # noqa: BLE001 - e.g. an __array__ that raises
        return {"error": _describe(exc)}
    changed = _changed(before, args)
    if changed:
        record["mutated"] = changed
    return record


def _snapshot(args):
    """Copies of the array arguments (and of the arrays in list arguments), by position."""
    copies = []
    for i, arg in enumerate(args[:MAX_WATCHED]):
        items = arg if isinstance(arg, list) else [arg]
        for j, item in enumerate(items[:MAX_WATCHED]):
            if isinstance(item, np.ndarray):
                copies.append((i, j if isinstance(arg, list) else -1, item, item.copy()))
    return copies


def _changed(copies, args):
    """[argument, list item or -1] of every array the call modified in place (an observation
    for the feedback's wording only: the trusted side validates it and it never scores)."""
    out = []
    for i, j, item, copy in copies:
        try:
            same = item.shape == copy.shape and np.array_equal(item, copy, equal_nan=True)
        except BaseException:  # noqa: BLE001 - a dtype change, for instance
            same = False
        if not same:
            out.append([i, j])
    return out[:MAX_WATCHED]


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
        if "reseed" in call:  # unseeded np.random / random code then repeats itself
            import random

            random.seed(call["reseed"])
            np.random.seed(call["reseed"])
        results.append(_call(ns, call["fn"], args, kwargs))
    return results


def driver_momentum(ns, task):
    """The tutorial's training loop (training.py), driven by the student's own update
    functions, named by the task: ``functions`` {"velocity": ..., "params": ...}."""
    functions = task["functions"]
    for name in (functions["velocity"], functions["params"]):
        if not callable(ns.get(name)):
            error = {"error": {"type": "MissingFunction", "message": name, "where": None}}
            return [error for _ in task["loops"]]
    update_velocity, update_params = ns[functions["velocity"]], ns[functions["params"]]
    results = []
    for loop in task["loops"]:
        try:
            trained = training.momentum(
                update_velocity,
                update_params,
                codec.decode(loop["X"]),
                codec.decode(loop["T"]),
                [codec.decode(p) for p in loop["params"]],
                iterations=loop["iterations"],
                learning_rate=loop["learning_rate"],
                momentum=loop["momentum"],
                record=loop.get("record", ()),
                snapshots=loop.get("snapshots", training.SNAPSHOTS),
            )
            results.append({"ok": codec.encode(trained)})
        except BaseException as exc:  # noqa: BLE001
            results.append({"error": _describe(exc)})
    return results


DRIVERS = {"call": driver_call, "momentum": driver_momentum}


def _run_tasks_in_child(ns, tasks, progress_fd):
    """Run tasks one after another, reporting each on ``progress_fd`` (one byte)."""
    for task in tasks:
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        signal.setitimer(signal.ITIMER_REAL, task["seconds"])
        try:
            results = DRIVERS[task["driver"]](ns, task)
            _emit(protocol.TASK, id=task["id"], results=results)
        except BaseException as exc:  # noqa: BLE001
            _emit(protocol.TASK, id=task["id"], crash=_describe(exc))
        signal.setitimer(signal.ITIMER_REAL, 0)
        sys.stdout.flush()
        sys.stderr.flush()
        os.write(progress_fd, b".")


def _end(task, status, timed_out, start):
    _emit(
        protocol.END,
        id=task["id"],
        timeout=timed_out or os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGALRM,
        signal=os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        exit=os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        seconds=round(time.monotonic() - start, 4),
    )


def run_tasks(ns, tasks):
    """Each task runs in a forked child, which goes on to the next task while it lives:
    a task that crashes, hangs or exits costs only itself, and the rest continue in a
    fresh child. (One fork per task would cost more than most checks themselves.)"""
    index = 0
    while index < len(tasks):
        sys.stdout.flush()
        sys.stderr.flush()
        progress_r, progress_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(progress_r)
                _run_tasks_in_child(ns, tasks[index:], progress_w)
            finally:
                os._exit(0)
        os.close(progress_w)
        pidfd = os.pidfd_open(pid)
        while index < len(tasks):
            task, start = tasks[index], time.monotonic()
            ready, _, _ = select.select([progress_r, pidfd], [], [], task["seconds"] + 0.5)
            if progress_r in ready:
                if os.read(progress_r, 1) == b".":
                    _end(task, 0, False, start)
                    index += 1
                    continue
                # Anything else was written by the student's code (it reaches every fd of
                # its process): never wait on that child without a deadline, stop it.
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            timed_out = not ready
            if timed_out:
                os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
            _end(task, status, timed_out, start)
            index += 1
            break
        else:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(progress_r)
        os.close(pidfd)


class _Blocker:
    """A meta path finder and loader: what a forbidden module offers is a stand-in that
    refuses to be used (``notebook_env.Unavailable``). The rest of the cell that imported
    it still runs, so only the code that uses it loses points."""

    def __init__(self, modules):
        self.modules = modules

    def forbidden(self, name):
        return next((m for m in self.modules if name == m or name.startswith(m + ".")), None)

    def find_spec(self, name, path=None, target=None):
        import importlib.machinery

        if self.forbidden(name):
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec):
        module = type(sys)(spec.name)
        module.__getattr__ = lambda attr: notebook_env.Unavailable(
            self.forbidden(spec.name), forbidden=True
        )
        return module

    def exec_module(self, module):
        return None


def block_imports(modules):
    """Defence in depth behind the trusted side's scan of the source (forbidden_imports.py):
    the assignment's forbidden modules are replaced, preloaded ones included."""
    if not modules:
        return
    blocker = _Blocker(modules)
    for name in [n for n in sys.modules if blocker.forbidden(n)]:
        del sys.modules[name]
        parent, _, child = name.rpartition(".")
        with contextlib.suppress(Exception):
            delattr(sys.modules[parent], child)
    sys.meta_path.insert(0, blocker)


def _prime_matplotlib(env_dir):
    """Copy the font cache built at set-up: rebuilding it costs a second per run."""
    prebuilt = os.path.join(env_dir, "mplconfig")
    target = os.environ.get("MPLCONFIGDIR")
    if target and os.path.isdir(prebuilt) and not os.path.exists(target):
        import shutil

        shutil.copytree(prebuilt, target)


def apply_limits(limits):
    """Soft and hard limits alike, before any student code runs, so none can be raised.
    (The CPU limit counts on top of what the harness's own imports used.)"""
    for name, value in limits.items():
        which = getattr(resource, name)
        hard = resource.getrlimit(which)[1]
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (value, value))


PR_SET_DUMPABLE = 4


def _set_dumpable(value):
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, value, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE)")


def supervise(worker):
    """pid 1's whole life once the worker is forked: reap every process (orphans are handed
    to the namespace's init) until the worker ends, then end, which kills what is left.

    No thread, no signal handler (signals from inside the namespace to an init without one
    are dropped by the kernel, so the student's code cannot end it), not dumpable (its
    memory cannot be written through /proc/1/mem nor traced), nothing of the student's."""
    os.close(0)
    os.close(RESULTS_FD)
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            os._exit(1)
        if pid == worker:
            code = os.waitstatus_to_exitcode(status)
            os._exit(code if code >= 0 else 128 - code)


def main():
    """argv: STUDENT_ENV RESULTS_FD [PRELOAD]. The job arrives on stdin, possibly much
    later: a warm sandbox imports the usual modules first, then waits for it."""
    global codec, np, notebook_env, protocol, training, RESULTS_FD
    env_dir, RESULTS_FD = sys.argv[1], int(sys.argv[2])
    preload = [m for m in sys.argv[3].split(",") if m] if len(sys.argv) > 3 else []
    # Inherited descriptors (the directories bwrap bound) lead back to the host: close them.
    os.closerange(3, RESULTS_FD)
    os.closerange(RESULTS_FD + 1, 1 << 16)
    if os.getpid() == 1:
        # Python's own SIGINT handler would let the student's code end pid 1 early.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        _set_dumpable(0)
        worker = os.fork()
        if worker:
            supervise(worker)
        _set_dumpable(1)  # the worker is like any process of the student's
        signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.path[:0] = [os.path.dirname(os.path.abspath(__file__)), env_dir]
    import protocol

    _emit(protocol.START)
    import codec
    import notebook_env
    import numpy as np
    import training

    _prime_matplotlib(env_dir)
    for name in preload:
        with contextlib.suppress(Exception):  # a missing optional module only costs speed
            __import__(name)
    _emit(protocol.READY)
    job = json.loads(sys.stdin.buffer.read())
    limits = dict(job["rlimits"])
    used = resource.getrusage(resource.RUSAGE_SELF)
    limits["RLIMIT_CPU"] += int(used.ru_utime + used.ru_stime) + 1
    apply_limits(limits)
    os.makedirs(job["cwd"], exist_ok=True)
    os.chdir(job["cwd"])
    block_imports(job.get("forbidden_imports", []))
    ns, report = run_cells(job["cells"], job["cell_seconds"], job["module"])
    _emit(protocol.LOAD, cells=report)
    run_tasks(ns, job["tasks"])
    _emit(protocol.DONE)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
