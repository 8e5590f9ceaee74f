"""Warm sandboxes: started and importing numpy / matplotlib / scikit-learn (and what
notebooks import for display and progress bars) before a submission arrives, so that
grading costs only the student's own work.

Each sandbox still serves exactly one submission; the pool only moves its
start-up off the critical path. A long-running process (the service) keeps a
pool; one-shot commands (``grader grade``) start cold.

Preloading what a submission does not import is not free: scikit-learn, IPython and
tqdm cost about three times numpy and matplotlib together in CPU, paid again for every
sandbox, and under load that CPU is taken from the gradings. So the pool preloads, of
the usual modules, those the last submission it served imports (``expect``): in a
deadline rush, the next one is most likely of the same assignment. Until the first
submission, and with ``GRADER_SANDBOX_PRELOAD`` set, it preloads the full list.
"""

from __future__ import annotations

import ast
import logging
import os
import threading

from grader.sandbox.inside.protocol import Cell
from grader.sandbox.run_limits import DEFAULT_LIMITS, Limits
from grader.sandbox.runner import SandboxProcess

log = logging.getLogger(__name__)

# IPython.display and tqdm.auto: about 50 ms each, imported by many notebooks (pandas, 160 ms
# and rarer, is left to the notebooks that use it)
DEFAULT_PRELOAD = (
    "numpy",
    "matplotlib",
    "matplotlib.pyplot",
    "sklearn.datasets",
    "IPython.display",
    "tqdm.auto",
)
READY_SECONDS = 60.0


def imported_modules(cells: list[Cell]) -> set[str]:
    """The modules the cells import (``import a.b``, ``from a.b import c``), as written."""
    names: set[str] = set()
    for cell in cells:
        try:
            tree = ast.parse(cell.get("source", ""))
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
    return names


def preload_for(names: set[str], candidates: tuple[str, ...] = DEFAULT_PRELOAD) -> tuple[str, ...]:
    """The candidates importing ``names`` loads anyway (numpy always: the harness uses it)."""
    return tuple(
        m for m in candidates if m == "numpy" or any(n == m or n.startswith(m + ".") for n in names)
    )


def preload_from_env() -> tuple[str, ...]:
    value = os.environ.get("GRADER_SANDBOX_PRELOAD")
    if value is None:
        return DEFAULT_PRELOAD
    return tuple(m.strip() for m in value.split(",") if m.strip())


class WarmPool:
    def __init__(self, backend, size: int = 1, preload: tuple[str, ...] | None = None) -> None:
        self.backend, self.size = backend, max(0, size)
        self.fixed = preload is not None or os.environ.get("GRADER_SANDBOX_PRELOAD") is not None
        self.preload = preload_from_env() if preload is None else preload
        self.limits: Limits = DEFAULT_LIMITS
        self._ready: list[SandboxProcess] = []
        self._lock = threading.Condition()
        self._wanted = threading.Event()
        self._closed = False
        self._thread = threading.Thread(target=self._fill, name="grader-warm-pool", daemon=True)
        self._thread.start()
        self._wanted.set()

    def take(self, limits: Limits) -> SandboxProcess | None:
        """A ready sandbox for a job with these limits, or None (then start one cold)."""
        if limits.start_limits() != self.limits.start_limits():
            return None
        with self._lock:
            proc = self._ready.pop(0) if self._ready else None
        self._wanted.set()
        return proc

    def expect(self, cells: list[Cell]) -> None:
        """The next sandboxes preload what these cells import, of the usual modules."""
        if not self.fixed:
            self.preload = preload_for(imported_modules(cells))

    def wait(self, timeout: float) -> bool:
        """Block until a warm sandbox is ready (benchmarks, tests); False on time-out."""
        with self._lock:
            return self._lock.wait_for(lambda: bool(self._ready), timeout)

    def _fill(self) -> None:
        while self._wanted.wait():
            self._wanted.clear()
            while not self._closed and len(self._ready) < self.size:
                try:
                    proc = SandboxProcess(self.backend, self.limits, self.preload)
                except Exception:  # noqa: BLE001 - the cold path reports the real error
                    log.exception("could not start a warm sandbox")
                    break
                if not proc.wait_ready(READY_SECONDS):
                    log.warning("a warm sandbox did not get ready: %s", proc.raw.stderr[:300])
                    proc.close()
                    break
                with self._lock:
                    if self._closed:
                        proc.close()
                        return
                    self._ready.append(proc)
                    self._lock.notify_all()
            if self._closed:
                return

    def close(self) -> None:
        self._closed = True
        self._wanted.set()
        with self._lock:
            ready, self._ready = self._ready, []
        for proc in ready:
            proc.close()
