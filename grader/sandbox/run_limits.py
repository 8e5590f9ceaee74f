"""Resource limits of one sandbox run: one documented mapping, overridable per assignment."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from grader.errors import AssignmentError


@dataclass(frozen=True)
class Limits:
    #: wall-clock seconds for the whole run (loading the submission and every check)
    wall_seconds: float = 120.0
    #: CPU seconds per process (RLIMIT_CPU)
    cpu_seconds: int = 120
    #: budget of one notebook cell (or of a .py file's top level); later cells still run
    cell_seconds: float = 30.0
    #: budget of one check's calls into the student's functions
    task_seconds: float = 20.0
    #: address space per process in MiB (RLIMIT_AS); total memory is bounded by
    #: ``processes * memory_mb``
    memory_mb: int = 1536
    #: processes and threads the run may have at once (RLIMIT_NPROC, per sandbox uid)
    processes: int = 8
    #: largest file the submission may write, in MiB (RLIMIT_FSIZE)
    file_mb: int = 8
    #: size of the private, memory-backed /tmp in MiB
    tmp_mb: int = 32
    #: size of the private, memory-backed /dev/shm in MiB (POSIX shared memory, semaphores)
    shm_mb: int = 16
    #: printed output kept for feedback, per stream, in KiB (the rest is discarded)
    output_kb: int = 64
    #: raw results the sandbox may send back, in MiB (the run is killed past it)
    results_mb: int = 64

    def override(self, values: dict, *, source: str = "limits") -> Limits:
        known = {f.name: f.type for f in fields(self)}
        changes: dict[str, Any] = {}  # known fields, positive numbers (checked below)
        for key, value in values.items():
            if key not in known:
                raise AssignmentError(f"{source}: unknown limit {key!r}", field=key)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise AssignmentError(
                    f"{source}: limit {key!r} must be a positive number", field=key
                )
            changes[key] = value
        return replace(self, **changes)

    def start_limits(self) -> tuple:
        """The limits a sandbox is started with (a warm one before its job is known):
        a job may run in an already started sandbox only if these are the same."""
        return (self.memory_mb, self.processes, self.file_mb, self.tmp_mb, self.shm_mb)


DEFAULT_LIMITS = Limits()
