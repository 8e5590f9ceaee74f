"""A pool of unprivileged uids, one per concurrent run.

RLIMIT_NPROC counts processes per real uid, so two runs sharing a uid would
share a process budget; and code running as root inside a sandbox keeps
capabilities. When the service runs as root, every run gets a uid of its own,
held with a lock file so that separate worker processes never share one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

FIRST_UID = 61000
POOL_SIZE = 64


def _lock_dir() -> Path:
    path = Path(tempfile.gettempdir()) / "grader-sandbox-slots"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


@contextlib.contextmanager
def sandbox_uid() -> Iterator[int | None]:
    """Yield a uid reserved for this run, or None when we are not root (nothing to drop)."""
    if os.geteuid() != 0:
        yield None
        return
    directory = _lock_dir()
    for slot in range(POOL_SIZE):
        fh = open(directory / f"slot-{slot}.lock", "w")  # noqa: SIM115 - held for the run
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            continue
        uid = FIRST_UID + slot
        try:
            kill_uid(uid)
            yield uid
        finally:
            kill_uid(uid)
            fh.close()
        return
    raise RuntimeError("no free sandbox uid: too many concurrent runs")


def proc_files(name: str) -> Iterator[tuple[int, str]]:
    """(pid, text of /proc/<pid>/<name>) for every process we can read it of."""
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/{name}", encoding="ascii", errors="replace") as fh:
                yield int(entry.name), fh.read()
        except OSError:
            continue


def _status_fields(status: str, *names: str) -> dict[str, str]:
    found = {}
    for line in status.splitlines():
        name, _, value = line.partition(":")
        if name in names:
            found[name] = value
            if len(found) == len(names):
                break
    return found


def processes_of(uid: int) -> list[int]:
    pids = []
    for pid, status in proc_files("status"):
        fields = _status_fields(status, "Uid")
        if "Uid" in fields and int(fields["Uid"].split()[0]) == uid:
            pids.append(pid)
    return pids


def tasks_of(uid: int) -> int:
    """Threads of every process whose real uid is ``uid``: what RLIMIT_NPROC counts
    (a process with threads is several tasks, the grader's own included)."""
    tasks = 0
    for _pid, status in proc_files("status"):
        fields = _status_fields(status, "Uid", "Threads")
        if "Uid" in fields and int(fields["Uid"].split()[0]) == uid:
            tasks += int(fields.get("Threads", "1").split()[0] or 1)
    return tasks


#: how long to wait for a uid's killed processes to be gone: until then they still count
#: against the process limit of the next run that gets the uid
KILL_WAIT_SECONDS = 5.0


def kill_uid(uid: int) -> None:
    """Kill every process left running as ``uid`` (daemons that escaped their group), and
    wait until they are gone (SIGKILL takes effect asynchronously)."""
    deadline = time.monotonic() + KILL_WAIT_SECONDS
    while time.monotonic() < deadline:
        pids = processes_of(uid)
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.01)
