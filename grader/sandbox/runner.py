"""Start one sandbox run, feed it a job, collect raw results within the limits.

The run talks back on a private pipe (its number given on the command line) in
JSON lines (the records of ``inside/protocol.py``); stdout and stderr are only kept, capped, to show the student what
their code printed. Whatever happens, every process of the run is gone when
``SandboxProcess.run`` (or ``run_job``) returns.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import selectors
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from grader.errors import SandboxUnavailable
from grader.sandbox import slots
from grader.sandbox.inside.protocol import Job
from grader.sandbox.records import RawRun, record_line
from grader.sandbox.run_limits import Limits

log = logging.getLogger(__name__)

#: what runs inside: copied into each run's folder, read-only there
INSIDE = Path(__file__).resolve().parent / "inside"
RUNTIME_FILES = ("harness.py", "protocol.py", "codec.py", "notebook_env.py", "training.py")


#: CPU seconds a sandbox may spend before its job arrives (interpreter start and the
#: warm pool's imports), on top of the job's own ``cpu_seconds``
START_CPU_SECONDS = 30
PRLIMIT = "/usr/bin/prlimit"


def _rlimits(limits: Limits) -> dict[str, int]:
    mib = 1024 * 1024
    return {
        "RLIMIT_AS": limits.memory_mb * mib,
        "RLIMIT_CPU": int(limits.cpu_seconds),
        "RLIMIT_NPROC": int(limits.processes),
        "RLIMIT_FSIZE": limits.file_mb * mib,
        "RLIMIT_CORE": 0,
        "RLIMIT_NOFILE": 256,
        "RLIMIT_MSGQUEUE": 0,
    }


def _with_start_limits(argv: list[str], limits: Limits, nproc: int) -> list[str]:
    """Run ``argv`` under hard limits set before it starts (util-linux ``prlimit``), so
    that every process of the run, bwrap's own included, is bounded from its first
    instruction; the harness only lowers them once its job arrives."""
    values = _rlimits(limits)
    values["RLIMIT_CPU"] += START_CPU_SECONDS
    values["RLIMIT_NPROC"] = nproc
    options = [f"--{name[7:].lower()}={value}:{value}" for name, value in values.items()]
    return [PRLIMIT, *options, "--", *argv]


def _nproc_budget(limits: Limits, uid: int | None) -> int:
    """Without a uid of our own, RLIMIT_NPROC counts our other processes too, and every
    thread of them (the grader's own included: numpy's, a service's). One more for the
    thread that writes the job, which may still be alive when the student's code starts.
    One more, either way, for the sandbox's pid 1, which runs none of the student's code."""
    if uid is not None:
        return limits.processes + 1
    return slots.tasks_of(os.getuid()) + 2 + limits.processes


class _Capped:
    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.parts: list[bytes] = []
        self.size = self.dropped = 0

    def add(self, data: bytes) -> bool:
        room = self.cap - self.size
        if room > 0:
            self.parts.append(data[:room])
        self.size += len(data)
        return self.size <= self.cap

    def text(self) -> str:
        out = b"".join(self.parts).decode("utf-8", errors="replace")
        if self.size > self.cap:
            out += f"\n[... {self.size - self.cap} more bytes of output not kept]"
        return out


def _prepare(job_dir: str) -> None:
    for name in RUNTIME_FILES:
        shutil.copyfile(INSIDE / name, os.path.join(job_dir, name))
        os.chmod(os.path.join(job_dir, name), 0o644)
    os.chmod(job_dir, 0o755)


class SandboxProcess:
    """One single-use sandbox, started before its job arrives.

    A warm one (``preload``) has already imported the usual modules when the job
    is written to its stdin; ``run`` then costs only the student's own work.
    """

    def __init__(self, backend, limits: Limits, preload: tuple[str, ...] = ()) -> None:
        self.backend, self.tmp_mb = backend, limits.tmp_mb
        self.raw = RawRun(backend=backend.name)
        self._stack = contextlib.ExitStack()
        try:
            self._start(limits, ",".join(preload))
        except BaseException:
            self._stack.close()
            raise

    def _start(self, limits: Limits, preload: str) -> None:
        self.uid = self._stack.enter_context(slots.sandbox_uid())
        job_dir = self._stack.enter_context(tempfile.TemporaryDirectory(prefix="grader-run-"))
        _prepare(job_dir)
        read_fd, write_fd = os.pipe()
        self.read_fd = read_fd
        self._stack.callback(os.close, read_fd)
        fds = self.backend.open_fds(job_dir)
        argv, env, self.workdir = self.backend.command(job_dir, limits, write_fd, fds, preload)
        argv = _with_start_limits(argv, limits, _nproc_budget(limits, self.uid))
        if self.workdir:
            os.makedirs(self.workdir, mode=0o700)
            if self.uid is not None:
                os.chown(self.workdir, self.uid, self.uid)
        try:
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                pass_fds=(write_fd, *fds.values()),
                close_fds=True,
                start_new_session=True,
                user=self.uid,
                group=self.uid,
                extra_groups=[] if self.uid is not None else None,
            )
        finally:
            for fd in (write_fd, *fds.values()):
                os.close(fd)
        self._stack.callback(_kill, self.proc)

    def wait_ready(self, timeout: float) -> bool:
        """Read the results channel until the harness says it waits for its job."""
        deadline = time.monotonic() + timeout
        buffer = b""
        while not self.raw.ready:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self.read_fd], [], [], remaining)[0]:
                return False
            data = os.read(self.read_fd, 65536)
            if not data:
                return False
            *lines, buffer = (buffer + data).split(b"\n")
            for line in lines:
                record_line(self.raw, line)
        return True

    def run(self, job: Job, limits: Limits) -> RawRun:
        """Send the job, collect the results within the limits, then end every process."""
        raw, start = self.raw, time.monotonic()
        try:
            raw.expected = frozenset(task["id"] for task in job["tasks"])
            raw.cell_names = [str(cell["name"]) for cell in job["cells"]]
            rlimits = dict(_rlimits(limits), RLIMIT_NPROC=_nproc_budget(limits, self.uid))
            job = {**job, "rlimits": rlimits, "cwd": self.workdir or "/tmp"}
            writer = threading.Thread(
                target=_feed, args=(self.proc.stdin, json.dumps(job).encode()), daemon=True
            )
            writer.start()
            _collect(self.proc, self.read_fd, limits, raw, start)
        finally:
            self.close()
        raw.seconds = round(time.monotonic() - start, 4)
        if not raw.started:
            # Nothing of the student's ran yet: the sandbox itself could not start.
            raise SandboxUnavailable(
                f"the {self.backend.name} sandbox did not start: {raw.stderr.strip()[:500]}"
            )
        return raw

    def close(self) -> None:
        self._stack.close()


def _feed(stream, data: bytes) -> None:
    with contextlib.suppress(OSError):
        stream.write(data)
        stream.close()


def run_job(job: Job, limits: Limits, backend) -> RawRun:
    """A cold run: start a sandbox for this job only."""
    return SandboxProcess(backend, limits).run(job, limits)


def _collect(
    proc: subprocess.Popen, read_fd: int, limits: Limits, raw: RawRun, start: float
) -> None:
    out, err = _Capped(limits.output_kb * 1024), _Capped(limits.output_kb * 1024)
    results_cap = limits.results_mb * 1024 * 1024
    buffer, received = bytearray(), 0
    assert proc.stdout is not None and proc.stderr is not None, "started with pipes"
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ, out)
    sel.register(proc.stderr, selectors.EVENT_READ, err)
    sel.register(read_fd, selectors.EVENT_READ, None)
    deadline = start + limits.wall_seconds
    open_streams = 3
    while open_streams:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raw.timed_out = True
            break
        for key, _ in sel.select(timeout=min(remaining, 1.0)):
            data = os.read(key.fd, 65536)
            if not data:
                sel.unregister(key.fileobj)
                open_streams -= 1
                continue
            if key.data is not None:
                key.data.add(data)
                continue
            received += len(data)
            if received > results_cap:
                raw.results_overflow = True
                open_streams = 0
                break
            buffer += data
            if b"\n" not in data:
                continue  # re-splitting an endless line on every read would be quadratic
            *lines, rest = buffer.split(b"\n")
            buffer = bytearray(rest)
            for line in lines:
                record_line(raw, line)
    sel.close()
    raw.stdout, raw.stderr = out.text(), err.text()
    with contextlib.suppress(subprocess.TimeoutExpired):
        raw.returncode = proc.wait(timeout=0.5 if not raw.timed_out else 0)


def _kill(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()
    proc.wait()
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        with contextlib.suppress(OSError):
            if stream is not None:
                stream.close()
    if os.getpid() == 1:
        reap_orphans()


def reap_orphans() -> list[int]:
    """Collect exited sandbox processes that were handed to us as orphans.

    As pid 1 (a container started without an init), every process whose parent dies
    becomes our child; nobody else would wait for a leftover ``bwrap`` and it would stay
    a zombie, holding a pid. Only those are reaped: other children have their owners."""
    reaped = []
    for pid, stat in slots.proc_files("stat"):
        name, rest = stat[stat.find("(") + 1 : stat.rfind(")")], stat[stat.rfind(")") + 2 :]
        state, ppid = rest.split()[:2]
        if name == "bwrap" and state == "Z" and int(ppid) == os.getpid():
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
                reaped.append(pid)
    return reaped
