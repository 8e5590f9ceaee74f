"""Low-level hostile tests of the sandbox runner, without assignments.

Each test hands ``run_job`` a job whose cells (and sometimes functions) attack
the sandbox, and checks from the trusted side that the attack failed: the
environment is empty, there is no network, nothing secret is readable, limits
hold, and no process of the run survives it. Every attack also prints a
positive marker so that a test cannot pass just because the attack never ran.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from grader.errors import SandboxUnavailable
from grader.sandbox import slots
from grader.sandbox.backends import CHILD_ENV
from grader.sandbox.inside import codec
from grader.sandbox.run_limits import Limits
from grader.sandbox.runner import run_job

# one worker runs them all: some look for processes the others start (sleep 300 ...)
pytestmark = pytest.mark.xdist_group("sandbox")

REPO = Path(__file__).resolve().parents[2]
SECRET = "topsecret-xyz-" + uuid.uuid4().hex[:8]

FAST = Limits(wall_seconds=40, cell_seconds=3, task_seconds=3, cpu_seconds=30)


@pytest.fixture(scope="module")
def backend():
    if not shutil.which("bwrap"):
        pytest.skip("bubblewrap (bwrap) is not installed: the hostile sandbox tests need it")
    from grader.sandbox.backends import make_backend

    try:
        return make_backend("bubblewrap")
    except SandboxUnavailable as exc:
        pytest.skip(f"sandbox unavailable: {exc}")


#: Student code that finds the results channel: the only pipe above stderr (so the
#: tests do not depend on how the harness is told its number).
FIND_FD = """
import os as _os
def _results_fd():
    for _n in sorted(_os.listdir("/proc/self/fd"), key=int):
        try:
            if int(_n) > 2 and _os.readlink("/proc/self/fd/" + _n).startswith("pipe:"):
                return int(_n)
        except OSError:
            pass
    raise RuntimeError("no results channel")
"""


def _job(sources, tasks=(), limits=FAST):
    return {
        "module": "__main__",
        "cell_seconds": limits.cell_seconds,
        "cells": [
            {"name": f"cell {i + 1}", "source": FIND_FD + textwrap.dedent(src)}
            for i, src in enumerate(sources)
        ],
        "tasks": list(tasks),
    }


def run(backend, *sources, tasks=(), limits=FAST):
    return run_job(_job(sources, tasks, limits), limits, backend)


def task(task_id, fn, *args, seconds=3):
    return {
        "id": task_id,
        "driver": "call",
        "seconds": seconds,
        "calls": [{"fn": fn, "args": [codec.encode(a) for a in args]}],
    }


#: markers of this module's runs: the final check looks for these only (other suites, or
#: other checkouts on the machine, may be running sandboxes with their own `sleep 300`)
OUR_MARKERS: set[str] = set()


def new_marker(kind: str) -> str:
    """A marker for a run's processes, registered for the module's final check as soon as
    it exists (a test that fails before its own check is still covered)."""
    marker = f"{kind}-{uuid.uuid4().hex}"
    OUR_MARKERS.add(marker)
    return marker


def alive_with(marker: str) -> list[int]:
    """Host pids whose command line contains ``marker`` (leftovers of a run)."""
    return [pid for pid, cmd in slots.proc_files("cmdline") if pid != os.getpid() and marker in cmd]


def sandbox_uids_busy() -> list[int]:
    return [
        pid
        for uid in range(slots.FIRST_UID, slots.FIRST_UID + slots.POOL_SIZE)
        for pid in slots.processes_of(uid)
    ]


def ok_result(raw, task_id, index=0):
    return codec.decode(raw.tasks[task_id]["results"][index]["ok"])


# --------------------------------------------------------------------------- isolation


def test_environment_is_empty(backend, monkeypatch):
    monkeypatch.setenv("GRADER_SECRET_KEY", SECRET)
    monkeypatch.setenv("DATABASE_URL", f"postgresql://grader:{SECRET}@127.0.0.1/grader")
    raw = run(
        backend,
        """
        import os, glob
        print("ENV", dict(os.environ))
        for path in sorted(glob.glob("/proc/*/environ")) + sorted(glob.glob("/proc/*/cmdline")):
            try:
                print(path, open(path, "rb").read())
            except OSError as exc:
                print(path, "ERR", exc)
        print("ENV-DONE")
        """,
    )
    assert "ENV-DONE" in raw.stdout, raw
    assert SECRET not in raw.stdout + raw.stderr
    assert "GRADER_SECRET_KEY" not in raw.stdout
    assert "DATABASE_URL" not in raw.stdout
    # pid 1 (the harness's supervisor) is not dumpable: its environment cannot even be read.
    # Every environment visible (the worker's, the student's) holds the fixed child list only
    assert "/proc/1/environ ERR" in raw.stdout, raw
    environs = [line for line in raw.stdout.splitlines() if "/environ b" in line]
    assert environs, raw
    for line in environs:
        data = ast.literal_eval(line.split(" ", 1)[1])
        keys = {item.split(b"=", 1)[0].decode() for item in data.split(b"\0") if item}
        assert keys <= {*CHILD_ENV, "PWD"}, line


def test_runs_unprivileged_without_capabilities(backend):
    raw = run(
        backend,
        """
        import os
        print("UID", os.getuid(), os.geteuid(), os.getgid())
        for line in open("/proc/self/status"):
            if line.startswith(("CapEff", "CapPrm", "CapBnd", "NoNewPrivs")):
                print(line.strip())
        try:
            os.setuid(0)
            print("SETUID-OK")
        except OSError as exc:
            print("SETUID-FAILED", exc)
        """,
    )
    assert "UID" in raw.stdout, raw
    uid_line = next(line for line in raw.stdout.splitlines() if line.startswith("UID"))
    assert " 0 " not in f" {uid_line} ".replace("UID", ""), uid_line
    assert "CapEff:\t0000000000000000" in raw.stdout
    assert "SETUID-FAILED" in raw.stdout


def test_no_network(backend):
    raw = run(
        backend,
        """
        import socket
        targets = [("127.0.0.1", 5432), ("127.0.0.1", 6379), ("127.0.0.1", 5672),
                   ("127.0.0.1", 3306), ("::1", 6379), ("1.1.1.1", 53), ("8.8.8.8", 443)]
        for host, port in targets:
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            try:
                s = socket.socket(family, socket.SOCK_STREAM)
                s.settimeout(2)
                s.connect((host, port))
                print("CONNECTED", host, port)
            except OSError as exc:
                print("FAILED", host, port, type(exc).__name__)
        try:
            print("RESOLVED", socket.getaddrinfo("example.com", 80))
        except OSError as exc:
            print("DNS-FAILED", type(exc).__name__)
        for path in ("/run/postgresql/.s.PGSQL.5432", "/var/run/postgresql/.s.PGSQL.5432",
                     "/run/redis/redis-server.sock", "/run/docker.sock", "/var/run/docker.sock"):
            try:
                s = socket.socket(socket.AF_UNIX)
                s.connect(path)
                print("CONNECTED", path)
            except OSError as exc:
                print("FAILED", path, type(exc).__name__)
        import os
        print("IFACES", sorted(os.listdir("/sys/class/net")) if os.path.isdir("/sys/class/net") else None)
        print("NET-DONE")
        """,
    )
    assert "NET-DONE" in raw.stdout, raw
    assert "CONNECTED" not in raw.stdout
    assert "RESOLVED" not in raw.stdout
    assert raw.stdout.count("FAILED") >= 12


def test_cannot_read_host_secrets(backend, tmp_path):
    shadow_line = ""
    with contextlib.suppress(OSError, IndexError):
        shadow_line = Path("/etc/shadow").read_text().splitlines()[0]
    # Another submission's job folder, where the host keeps them.
    other = Path(tempfile.mkdtemp(prefix="grader-run-"))
    (other / "job.json").write_text(json.dumps({"cells": [{"source": SECRET}]}))
    try:
        raw = run(
            backend,
            f"""
            import os, glob
            def show(path):
                try:
                    with open(path, "rb") as fh:
                        print("READ", path, fh.read(2000))
                except OSError as exc:
                    print("DENIED", path, type(exc).__name__)
            for path in ["/etc/shadow", "/etc/passwd", "/proc/1/root/etc/shadow",
                         "/proc/1/environ", "/proc/self/environ",
                         {str(REPO / "pyproject.toml")!r}, {str(REPO / "grader" / "cli.py")!r},
                         {str(other / "job.json")!r}]:
                show(path)
            for pid in os.listdir("/proc"):
                if pid.isdigit():
                    for what in ("cwd", "root"):
                        try:
                            print("LINK", pid, what, os.readlink(f"/proc/{{pid}}/{{what}}"),
                                  os.listdir(f"/proc/{{pid}}/{{what}}"))
                        except OSError as exc:
                            print("LINK", pid, what, type(exc).__name__)
            found = []
            for top in ("/", "/proc/1/root"):
                for root, dirs, files in os.walk(top):
                    if root.startswith(("/proc/1/root/proc", "/usr", "/proc/1/root/usr",
                                        "/opt/student-env", "/proc/1/root/opt")) or root in ("/proc", "/sys"):
                        dirs[:] = []
                        continue
                    for name in files + dirs:
                        found.append(os.path.join(root, name))
            print("FOUND", len(found), [p for p in found if not p.startswith(("/proc/", "/dev/"))][:200])
            hits = [p for p in found if "reference" in p or "assignments" in p
                    or "grader-run-" in p or p.endswith((".db", ".sqlite", ".env"))]
            print("HITS", hits)
            for p in hits:
                if os.path.isfile(p):
                    show(p)
            print("TMP", os.listdir("/tmp"))
            print("HUNT-DONE")
            """,
        )
    finally:
        shutil.rmtree(other, ignore_errors=True)
    out = raw.stdout
    assert "HUNT-DONE" in out, raw
    assert SECRET not in out
    assert "HITS []" in out
    assert "DENIED /etc/shadow" in out
    assert "DENIED /proc/1/root/etc/shadow" in out
    if shadow_line:
        assert shadow_line not in out
    assert "[tool.pytest" not in out and str(REPO) + "/" not in out.replace(
        "DENIED " + str(REPO), ""
    )
    assert "grader-run-" not in out.split("FOUND", 1)[1]
    assert "TMP []" in out or "TMP ['matplotlib']" in out


def test_system_and_shared_folders_are_read_only(backend):
    raw = run(
        backend,
        """
        import os
        for path in ("/opt/student-env/numpy/__init__.py", "/opt/student-env/evil.py",
                     "/job/harness.py", "/job/codec.py", "/job/evil.py", "/usr/evil", "/evil",
                     "/etc/evil", "/bin/evil"):
            try:
                with open(path, "a") as fh:
                    fh.write("raise SystemExit('owned')\\n")
                print("WROTE", path)
            except OSError as exc:
                print("DENIED", path, type(exc).__name__)
        print("RO-DONE")
        """,
    )
    assert "RO-DONE" in raw.stdout, raw
    assert "WROTE" not in raw.stdout


# --------------------------------------------------------------------------- limits


def test_fork_bomb_is_bounded_and_cleaned_up(backend):
    marker = new_marker("forkbomb")
    raw = run(
        backend,
        f"""
        import os, time
        n = 0
        try:
            while n < 10000:
                pid = os.fork()
                if pid == 0:
                    try:
                        os.execv("/bin/sh", ["sh", "-c", "sleep 300; echo {marker}"])
                    finally:
                        os._exit(0)
                n += 1
        except OSError as exc:
            print("FORK-LIMIT", n, type(exc).__name__)
        """,
        "print('AFTER-BOMB')",
    )
    assert not raw.timed_out, raw  # ended by its own limits, not the wall clock
    assert "FORK-LIMIT" in raw.stdout, raw
    forks = int(raw.stdout.split("FORK-LIMIT")[1].split()[0])
    assert forks < FAST.processes + 2
    assert "AFTER-BOMB" in raw.stdout
    assert not alive_with(marker)


def test_thread_bomb_is_bounded(backend):
    raw = run(
        backend,
        """
        import threading, time
        threads = []
        try:
            while len(threads) < 10000:
                t = threading.Thread(target=time.sleep, args=(300,), daemon=True)
                t.start()
                threads.append(t)
        except RuntimeError as exc:
            print("THREAD-LIMIT", len(threads))
        """,
    )
    assert "THREAD-LIMIT" in raw.stdout, raw
    assert int(raw.stdout.split("THREAD-LIMIT")[1].split()[0]) < FAST.processes + 2
    assert raw.finished


def test_memory_bomb_gets_memory_error(backend):
    limits = Limits(wall_seconds=90, cell_seconds=60, task_seconds=3, cpu_seconds=60)
    raw = run(
        backend,
        """
        try:
            x = bytearray(50 * 2**30)
            print("ALLOCATED-50GB")
        except MemoryError:
            print("MEMERR-BIG")
        import numpy as np
        try:
            y = np.ones(50 * 2**30 // 8)
            print("ALLOCATED-NP")
        except MemoryError:
            print("MEMERR-NP")
        grow = []
        try:
            while True:
                grow.append(bytearray(10**7))
        except MemoryError:
            n = len(grow)
            grow = None
            print("MEMERR-LIST", n)
        """,
        "print('AFTER-MEMORY')",
        limits=limits,
    )
    assert "MEMERR-BIG" in raw.stdout, raw
    assert "MEMERR-NP" in raw.stdout
    assert "MEMERR-LIST" in raw.stdout
    grown_mb = int(raw.stdout.split("MEMERR-LIST")[1].split()[0]) * 10
    assert grown_mb <= limits.memory_mb * 1.05
    assert "AFTER-MEMORY" in raw.stdout


def test_cell_timeouts_are_reported_and_later_cells_run(backend):
    raw = run(
        backend,
        "while True: pass",
        "import time\ntime.sleep(1000)",
        "print('AFTER-TIMEOUTS')\ndef f():\n    return 1.5\n",
        tasks=[task("t1", "f")],
    )
    assert not raw.timed_out, raw  # ended by its own limits, not the wall clock
    assert [c["status"] for c in raw.cells] == ["timeout", "timeout", "ok"], raw.cells
    assert "AFTER-TIMEOUTS" in raw.stdout
    assert ok_result(raw, "t1") == 1.5
    assert raw.finished


def test_sigalrm_ignored_in_one_cell_does_not_disable_later_timeouts(backend):
    """A cell that ignores SIGALRM must not make the *next* cell unstoppable."""
    raw = run(
        backend,
        "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)",
        "while True: pass",
        "print('AFTER-LOOP')",
    )
    assert [c["status"] for c in raw.cells] == ["ok", "timeout", "ok"], raw
    assert "AFTER-LOOP" in raw.stdout
    assert not raw.timed_out, raw  # ended by its own limits, not the wall clock


def test_unstoppable_cell_is_bounded_by_the_wall_clock(backend):
    """Ignoring the alarm and swallowing the time-out in the same cell: the run's
    wall clock still ends everything, and nothing of it survives."""
    marker = new_marker("unstoppable")
    limits = Limits(wall_seconds=8, cell_seconds=2, task_seconds=2, cpu_seconds=30)
    start = time.monotonic()
    raw = run(
        backend,
        f"""
        import signal, subprocess
        subprocess.Popen(["/bin/sh", "-c", "sleep 300; echo {marker}"])
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        while True:
            try:
                while True:
                    pass
            except BaseException:
                pass
        """,
        limits=limits,
    )
    assert time.monotonic() - start < limits.wall_seconds + 5
    assert raw.timed_out
    assert not raw.finished
    assert not alive_with(marker)


def test_cpu_limit_stops_a_run_that_dodges_the_alarm(backend):
    # the wall clock is far: the CPU limit, not the wall clock, must end the run
    limits = Limits(wall_seconds=120, cell_seconds=2, task_seconds=2, cpu_seconds=3)
    raw = run(
        backend,
        """
        import signal
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        while True:
            pass
        """,
        limits=limits,
    )
    assert not raw.timed_out, raw  # ended by its own limits, not the wall clock
    assert raw.returncode is not None and raw.returncode != 0


def test_task_failures_are_isolated(backend):
    raw = run(
        backend,
        """
        import os, signal, sys, time
        def exits():
            os._exit(0)
        def loops():
            signal.signal(signal.SIGALRM, signal.SIG_IGN)
            while True:
                pass
        def sleeps():
            time.sleep(1000)
        def exits_sys():
            sys.exit(0)
        def good():
            return 2.5
        """,
        tasks=[
            task("exit", "exits"),
            task("loop", "loops", seconds=1),
            task("sleep", "sleeps", seconds=1),
            task("sysexit", "exits_sys"),
            task("good", "good"),
        ],
    )
    assert "exit" not in raw.tasks and raw.ends["exit"]["exit"] == 0
    assert raw.ends["loop"]["timeout"] and raw.ends["sleep"]["timeout"]
    assert raw.tasks["sysexit"]["results"][0]["error"]["type"] == "SystemExit"
    assert ok_result(raw, "good") == 2.5
    assert raw.finished


def test_killing_the_parent_ends_the_run_quickly(backend):
    marker = new_marker("killparent")
    sentinel = subprocess.Popen(["sleep", "60"])
    try:
        raw = run(
            backend,
            f"""
            import os, signal, subprocess
            subprocess.Popen(["/bin/sh", "-c", "sleep 300; echo {marker}"])
            print("PPID", os.getppid(), "PID", os.getpid(), flush=True)
            for pid in (os.getppid(), 1):
                try:
                    os.kill(pid, signal.SIGKILL)
                    print("KILLED", pid, flush=True)
                except OSError as exc:
                    print("KILL-FAILED", pid, type(exc).__name__, flush=True)
            def f():
                os.kill(os.getppid(), signal.SIGKILL)
                return 1.0
            def g():
                return 2.0
            """,
            tasks=[task("t1", "f"), task("t2", "g")],
        )
        assert not raw.timed_out, raw  # ended by its own limits, not the wall clock
        assert not alive_with(marker)
        assert sentinel.poll() is None
    finally:
        sentinel.kill()
        sentinel.wait()
    assert "PPID" in raw.stdout, raw


def test_kill_all_ends_the_run_and_spares_the_host(backend):
    """kill(-1) from the student's code reaches every process of the run but the sandbox's
    pid 1 (the trusted supervisor, which runs none of it): the worker that runs the cells and
    the tasks is the student's own, so killing it ends the run at once, with no task done and
    so every check failed. Nothing outside the sandbox is touched, the grader survives, and
    the run ends by itself, not by the wall clock."""
    sentinel = subprocess.Popen(["sleep", "60"])
    try:
        raw = run(
            backend,
            """
            import os, signal
            try:
                os.kill(-1, signal.SIGKILL)  # spares the caller: nothing else is running yet
                print("KILL-ALL-1 sent", flush=True)
            except OSError as exc:
                print("KILL-ALL-1", type(exc).__name__, flush=True)
            def f():
                os.kill(-1, signal.SIGKILL)
                return 1.0
            """,
            """
            import os, signal, time
            if os.fork() == 0:
                time.sleep(0.2)
                os.kill(-1, signal.SIGKILL)  # from a child: kills the worker, its parent
                os._exit(0)
            time.sleep(2)
            print("SURVIVED", flush=True)
            """,
            tasks=[task("t1", "f")],
        )
        assert not raw.timed_out, raw  # ended by itself, not by the wall clock
        assert "KILL-ALL-1" in raw.stdout, raw
        assert "SURVIVED" not in raw.stdout, raw
        assert not raw.finished and not raw.ends and not raw.tasks, raw
        assert sentinel.poll() is None, "a process outside the sandbox was killed"
    finally:
        sentinel.kill()
        sentinel.wait()


def test_inherited_descriptors_lead_nowhere(backend):
    raw = run(
        backend,
        """
        import os, sys
        fds = {}
        for fd in sorted(int(n) for n in os.listdir("/proc/self/fd")):
            try:
                fds[fd] = os.readlink(f"/proc/self/fd/{fd}")
            except OSError as exc:
                fds[fd] = type(exc).__name__
        print("FDS", fds)
        for fd in fds:
            try:
                print("LISTED", fd, os.listdir(fd)[:20])
            except (OSError, TypeError, ValueError):
                pass
        print("FD-DONE")
        """,
    )
    assert "FD-DONE" in raw.stdout, raw
    fds = eval(raw.stdout.split("FDS ", 1)[1].splitlines()[0])  # noqa: S307 - our own dict repr
    for fd, target in fds.items():
        assert fd <= 2 or target.startswith(("pipe:", "/proc/", "FileNotFoundError")), (fd, target)
    assert "LISTED" not in raw.stdout


def test_output_flood_is_capped(backend):
    limits = Limits(wall_seconds=60, cell_seconds=40, task_seconds=3, cpu_seconds=60)
    raw = run(
        backend,
        """
        import os, sys
        chunk = "x" * (1 << 20)
        for _ in range(1024):
            sys.stdout.write(chunk)
        for _ in range(64):
            sys.stderr.write(chunk)
        """,
        "def f():\n    return 3.0\n",
        tasks=[task("t1", "f")],
        limits=limits,
    )
    assert not raw.timed_out, raw  # ended by its own limits, not the wall clock
    cap = limits.output_kb * 1024
    assert cap <= len(raw.stdout) < cap + 200
    assert cap <= len(raw.stderr) < cap + 200
    assert "more bytes of output not kept" in raw.stdout
    assert [c["status"] for c in raw.cells] == ["ok", "ok"]
    assert ok_result(raw, "t1") == 3.0


def test_disk_fill_is_bounded_and_private(backend):
    marker = new_marker("diskfill")
    raw = run(
        backend,
        f"""
        import os
        block = b"x" * (1 << 20)
        for folder in ("/tmp", os.getcwd(), "/dev/shm", "/job", "/opt/student-env"):
            written = 0
            try:
                for i in range(10000):
                    with open(os.path.join(folder, "{marker}-%d" % i), "wb") as fh:
                        for _ in range(64):
                            fh.write(block)
                            written += 1
            except OSError as exc:
                print("FULL", folder, written, type(exc).__name__, exc.errno)
        print("DISK-DONE")
        """,
        "print('AFTER-DISK')",
    )
    assert "DISK-DONE" in raw.stdout, raw
    assert "AFTER-DISK" in raw.stdout
    for line in raw.stdout.splitlines():
        if line.startswith("FULL"):
            assert int(line.split()[2]) <= FAST.tmp_mb + FAST.file_mb, line
    host_tmp = Path(tempfile.gettempdir())
    assert not list(host_tmp.glob(f"{marker}*"))
    assert not list(REPO.glob(f"{marker}*"))


def test_detached_daemon_and_threads_do_not_survive(backend):
    marker = new_marker("daemon")
    raw = run(
        backend,
        f"""
        import os, sys, threading, time
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                for fd in range(0, 64):
                    try:
                        os.close(fd)
                    except OSError:
                        pass
                os.execv("/bin/sh", ["sh", "-c", "sleep 300; echo {marker}"])
            os._exit(0)
        def spin():
            while True:
                time.sleep(0.01)
        threading.Thread(target=spin).start()
        def f():
            threading.Thread(target=spin).start()
            return 4.0
        """,
        tasks=[task("t1", "f")],
    )
    assert not raw.timed_out, raw  # ended by its own limits, not the wall clock
    assert ok_result(raw, "t1") == 4.0
    assert raw.finished
    assert not alive_with(marker)


# --------------------------------------------------------------------------- results channel


def test_results_channel_flood_is_cut(backend):
    limits = Limits(wall_seconds=40, cell_seconds=20, task_seconds=3, cpu_seconds=30, results_mb=1)
    raw = run(
        backend,
        """
        import os, sys
        fd = _results_fd()
        line = b'{"event":"task","id":"x","results":[]}' + b" " * 4000 + b"\\n"
        while True:
            os.write(fd, line)
        """,
        limits=limits,
    )
    assert not raw.timed_out, raw  # ended by its own limits, not the wall clock
    assert raw.results_overflow


def test_results_channel_without_newlines(backend):
    """One endless line: the runner must neither crash nor spend minutes re-scanning it."""
    limits = Limits(wall_seconds=60, cell_seconds=50, task_seconds=3, cpu_seconds=60)
    cpu0 = time.process_time()
    raw = run(
        backend,
        """
        import os, sys
        fd = _results_fd()
        chunk = b"7" * 65536
        while True:
            os.write(fd, chunk)
        """,
        limits=limits,
    )
    assert raw.results_overflow
    assert time.process_time() - cpu0 < 15, "the trusted side spent too long on one line"
    assert not raw.timed_out, raw  # ended by its own limits, not the wall clock


@pytest.mark.parametrize(
    "payload",
    [
        b"[" * 200000 + b"\n",
        b'{"event":' * 100000 + b"\n",
        b"\xff\xfe\x00garbage\n",
        b"[1,2,3]\n",
        b'"event"\n',
        b"12345\n",
        b"null\n",
        b'{"event": {"nested": []}, "id": []}\n',
        b'{"event": "load", "cells": [1, "x", null, {"status": []}]}\n',
        b'{"event": "task", "id": "t1", "results": "all passed", "score": 100}\n',
        b'{"event": "end", "id": "t1", "timeout": "no", "seconds": "fast"}\n',
        b'{"event": "done"}\n',
    ],
    ids=lambda p: p[:24].decode("latin-1"),
)
def test_forged_and_malformed_records_do_not_crash_the_runner(backend, payload):
    raw = run(
        backend,
        f"""
        import os, sys
        os.write(_results_fd(), {payload!r})
        print("FORGED")
        def f():
            return 5.0
        """,
        tasks=[task("t2", "f")],
    )
    assert "FORGED" in raw.stdout
    assert ok_result(raw, "t2") == 5.0
    assert raw.finished


def test_forged_records_on_every_fd(backend):
    """Fake verdicts on stdout, stderr and every descriptor: only data reaches the trusted side."""
    fake = {
        "event": "task",
        "id": "t1",
        "results": [{"ok": codec.encode(99.0)}],
        "passed": True,
        "score": 100,
    }
    raw = run(
        backend,
        f"""
        import json, os
        fake = json.dumps({fake!r}) + "\\n"
        verdict = json.dumps({{"assignment": "xor-mlp", "status": "graded", "score": 100,
                               "max_score": 100, "checks": [], "error": None}}) + "\\n"
        opened = []
        for fd in range(0, 21):
            try:
                os.write(fd, (fake + verdict).encode())
                opened.append(fd)
            except OSError:
                pass
        print("WROTE", opened)
        def f():
            for fd in range(0, 21):
                try:
                    os.write(fd, fake.encode())
                except OSError:
                    pass
            return 1.0
        """,
        tasks=[task("t1", "f")],
    )
    assert "WROTE" in raw.stdout, raw
    # Whatever record wins, it is untrusted data that the checks judge: the runner only
    # keeps records, it never turns "passed"/"score" fields into a verdict.
    assert set(raw.tasks) <= {"t1"}
    assert raw.finished


@pytest.mark.slow
def test_results_cannot_blow_up_trusted_memory(backend):
    """64 MiB of ``[],[],...`` would become ~1.5 GiB of Python objects in the trusted process."""
    cell = (
        "import os, sys\n"
        'line = b\'{"event":"task","id":"x","results":[\' + b\'[],\' * 20_000_000 + b\'[]]}\\n\'\n'
        "os.write(_results_fd(), line)\n"
    )
    script = textwrap.dedent(
        f"""
        import resource
        from grader.sandbox.backends import make_backend
        from grader.sandbox.run_limits import Limits
        from grader.sandbox.runner import run_job
        job = {{"module": "__main__", "cell_seconds": 30, "tasks": [],
               "cells": [{{"name": "cell 1", "source": {FIND_FD + cell!r}}}]}}
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        raw = run_job(job, Limits(wall_seconds=60, cell_seconds=30), make_backend("bubblewrap"))
        grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024
        print("GROWN-MB", grown, "TASKS", sorted(raw.tasks), "MALFORMED", raw.malformed_lines)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert "GROWN-MB" in out.stdout, out.stderr[-3000:]
    grown = int(out.stdout.split("GROWN-MB")[1].split()[0])
    assert grown < 500, out.stdout


def test_unpicklable_payloads_travel_as_descriptions(backend, tmp_path):
    flag = tmp_path / "pwned"
    raw = run(
        backend,
        f"""
        import numpy as np
        class Evil:
            def __reduce__(self):
                return (exec, ("open({str(flag)!r}, 'w').write('pwned')",))
            def __eq__(self, other):
                return True
            def __array__(self, *args, **kwargs):
                raise RuntimeError("no array here")
        class Always(np.ndarray):
            def __eq__(self, other):
                return np.ones(np.shape(other), dtype=bool)
        def evil():
            return Evil()
        def evil_list():
            return [Evil(), np.array([1, "a", None], dtype=object)]
        def always():
            return np.zeros((2, 3)).view(Always)
        def string():
            return "correct"
        def huge_int():
            return 10 ** 100
        """,
        tasks=[
            task("evil", "evil"),
            task("evil_list", "evil_list"),
            task("always", "always"),
            task("string", "string"),
            task("huge_int", "huge_int"),
        ],
    )
    assert not flag.exists()
    assert isinstance(codec.decode(raw.tasks["evil"]["results"][0]["ok"]), codec.Unsupported)
    items = codec.decode(raw.tasks["evil_list"]["results"][0]["ok"])
    assert all(isinstance(i, codec.Unsupported) for i in items)
    always = ok_result(raw, "always")
    assert type(always) is __import__("numpy").ndarray and always.shape == (2, 3)
    assert not (always == 1).any()
    assert isinstance(ok_result(raw, "string"), codec.Unsupported)
    assert isinstance(ok_result(raw, "huge_int"), codec.Unsupported)


def test_process_backend_is_flagged_unsafe():
    from grader.sandbox.backends import ProcessBackend

    assert ProcessBackend.safe is False
    assert "WITHOUT isolation" in ProcessBackend.warning


def test_no_sandbox_processes_left_after_the_module(backend):
    """Sanity check on the slot pool: our runs left nothing behind under their uids."""
    # Other suites may be grading concurrently: only processes carrying one of this
    # module's markers are ours.
    time.sleep(0.5)
    leftovers = []
    for pid in sandbox_uids_busy():
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if any(marker.encode() in cmd for marker in OUR_MARKERS):
            leftovers.append((pid, cmd))
    assert not leftovers


AS_PID_1 = """
import os, sys, time
import grader.assignment_folder as catalogue
from grader.engine import grade_file
assert os.getpid() == 1
# an orphan: its parent exits at once, so it is handed to us, as to a container's pid 1
if os.fork() == 0:
    if os.fork() == 0:
        os.execv("/usr/bin/bwrap", ["bwrap", "--version"])
    os._exit(0)
os.wait()
time.sleep(0.5)
assignment = catalogue.find("xor-mlp")
scores = [grade_file(assignment, sys.argv[1]).score for _ in range(3)]
zombies = []
for pid in os.listdir("/proc"):
    if pid.isdigit():
        stat = open(f"/proc/{pid}/stat").read()
        if stat[stat.rfind(")") + 2] == "Z":
            zombies.append(stat[: stat.rfind(")") + 1])
print(scores, zombies)
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="a pid namespace of our own needs root")
def test_grader_as_pid_1_leaves_no_zombies():
    """In a container without an init the grader is pid 1 and inherits every orphan: each
    grading used to leave a defunct bwrap. Nothing may pile up."""
    proc = subprocess.run(
        [
            "unshare",
            "--pid",
            "--fork",
            "--mount-proc",
            sys.executable,
            "-c",
            AS_PID_1,
            str(Path(__file__).parents[2] / "submissions" / "xor-mlp" / "correct.py"),
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.splitlines()[-1] == "[100.0, 100.0, 100.0] []", proc.stdout


def test_junk_on_every_descriptor_from_a_task_does_not_stall_the_run(backend):
    """Student code reaches every fd of its process, the harness's own pipes included:
    junk on them must not make the harness wait without a deadline."""
    raw = run(
        backend,
        """
        import os, time
        def f():
            for fd in range(3, 64):
                try:
                    os.write(fd, b'{"junk": 1}\\n' * 1000)
                except OSError:
                    pass
            time.sleep(30)
            return 1.0
        def g():
            return 2.0
        """,
        tasks=[task("t1", "f", seconds=1), task("t2", "g")],
    )
    assert not raw.timed_out, raw  # ended by its own limits, not the wall clock
    assert "t1" not in raw.tasks or "ok" not in raw.tasks["t1"]["results"][0]
    assert raw.finished


if __name__ == "__main__":  # pragma: no cover - handy for a quick manual run
    sys.exit(pytest.main([__file__, "-v"]))
