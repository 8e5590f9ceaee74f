"""The reference's loss curves for the plots, computed once per assignment version and run.

A reference loss curve trains the reference network again and again (every epoch count of
the grid, for every run): most of what a plot cost when it was computed per submission.
It depends only on the assignment (its ``digest``: a changed assignment is another key),
the check and the run's data (seed, sample order, swapped classes), so it is kept here, in
a least-recently-used table of this process, under that key, and, where a folder is given
(``use_directory``: the service's ``<instance>/reference-cache``), in a small JSON file
there, so that a restart or another worker process finds it too. A regrade after the
assignment changed computes it again, once; files of old versions are never read again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from grader.checks.drivers import MomentumDriver
from grader.sandbox.inside import training
from grader.storage import SHARED_FILE_MODE

#: entries kept; one is a few dozen floats, so this is well under a megabyte
MAX_ENTRIES = 4096

_lock = threading.Lock()
_entries: OrderedDict[str, Any] = OrderedDict()
_stats = {"hits": 0, "misses": 0}
_directory: Path | None = None

log = logging.getLogger(__name__)

#: the epoch counts of a reference curve (up to the training's own)
EPOCH_GRID = (0, 10, 30, 100, 300, 1000, 3000, 10000, 30000)


def cache_key(digest: str, check: str, what: str, run: dict) -> str:
    """The key of ``what`` ("curve", ...) for one check and run of an assignment version."""
    descriptor = {k: run.get(k) for k in ("seed", "order", "swap")}
    return json.dumps([digest, check, what, descriptor], sort_keys=True, separators=(",", ":"))


def use_directory(directory: Path | str | None) -> None:
    """Keep the values in JSON files under ``directory`` too (None: in memory only)."""
    global _directory
    _directory = Path(directory) if directory else None


def cached(key: str, compute: Callable[[], Any]) -> Any:
    """The value under ``key``, computed by ``compute`` the first time (outside the lock:
    two threads may both compute a missing value; both get the same). ``compute`` returns
    plain data (lists, numbers, booleans): what a JSON file holds the same."""
    with _lock:
        if key in _entries:
            _entries.move_to_end(key)
            _stats["hits"] += 1
            return _entries[key]
    value = _read(key)
    with _lock:
        _stats["hits" if value is not None else "misses"] += 1
    if value is None:
        value = compute()
        _write(key, value)
    with _lock:
        _entries[key] = value
        _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


def _file(key: str) -> Path | None:
    if _directory is None:
        return None
    name = hashlib.sha256(key.encode()).hexdigest()
    return _directory / name[:2] / f"{name}.json"


def _read(key: str) -> Any:
    path = _file(key)
    if path is None or not path.is_file():
        return None
    try:
        stored = json.loads(path.read_text())
    except (OSError, ValueError):
        return None  # unreadable or half-written by a crash: computed again
    return stored.get("value") if isinstance(stored, dict) and stored.get("key") == key else None


def _write(key: str, value: Any) -> None:
    """Write the file whole or not at all (a temporary file renamed); a failure costs only
    the file, never the plot."""
    path = _file(key)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        os.fchmod(fd, SHARED_FILE_MODE)  # other workers may run as other users of the group
        with os.fdopen(fd, "w") as fh:
            json.dump({"key": key, "value": value}, fh)
        os.replace(temporary, path)
    except (OSError, TypeError, ValueError):
        log.warning("reference cache: %s not written", path, exc_info=True)


def stats() -> dict[str, int]:
    """Hits, misses and entries so far (tests, benchmarks)."""
    with _lock:
        return {**_stats, "entries": len(_entries)}


def clear() -> None:
    with _lock:
        _entries.clear()
        _stats.update(hits=0, misses=0)


# -- curves ---------------------------------------------------------------------------------


def as_params(value: Any) -> list[np.ndarray] | None:
    if isinstance(value, list) and value and all(isinstance(p, np.ndarray) for p in value):
        return [np.asarray(p, dtype=float) for p in value]
    return None


def reference_curve(
    reference, check, run: dict, loss, digest: str = ""
) -> tuple[list[int], list[float]]:
    """The reference's curve on one run's data, computed once per assignment version
    (``digest``) and run (``grader.reference_cache``). When the reference's training does
    not depend on the sample order (full-batch: tried once per version, on the first seed
    in two orders), the order is left out of the key, so that every grading run on a seed
    and class labelling shares one curve; without a digest nothing is kept."""
    seed = int(run["seed"])
    if not digest:
        X, Y = check.run_data(run)
        return _reference_curve(reference, check, X, Y, seed, loss)
    if run.get("order") is not None and _order_free(reference, check, loss, digest):
        run = {**run, "order": None}

    def compute() -> tuple[list[int], list[float]]:
        X, Y = check.run_data(run)
        return _reference_curve(reference, check, X, Y, seed, loss)

    return cached(cache_key(digest, check.name, "curve", run), compute)


def _order_free(reference, check, loss, digest: str) -> bool:
    """Whether the reference's curve is the same (to 1e-6) in the data's order and reversed."""

    def compute() -> bool:
        seed = int(check.seeds[0])
        X, Y = check.run_data({"seed": seed})
        n = len(X)
        if n < 2:
            return True
        X_flipped, Y_flipped = check.run_data({"seed": seed, "order": list(range(n))[::-1]})
        plain = reference_curve(reference, check, {"seed": seed, "order": None}, loss, digest)
        other = _reference_curve(reference, check, X_flipped, Y_flipped, seed, loss)
        return plain[0] == other[0] and bool(
            np.allclose(plain[1], other[1], rtol=1e-6, atol=1e-12, equal_nan=True)
        )

    return cached(cache_key(digest, check.name, "order-free", {}), compute)


def _reference_curve(reference, check, X, Y, seed, loss) -> tuple[list[int], list[float]]:
    """Epochs (or iterations) and losses of the reference's own training on the same data."""
    if isinstance(check.driver, MomentumDriver):
        _, trajectory, _ = check.driver.train(reference, reference, X, Y, seed)
        every = training.snapshot_every(check.driver.iterations)
        return [k * every for k in range(len(trajectory))], [loss(p, X, Y) for p in trajectory]
    train = getattr(reference, check.function, None)
    if not callable(train):
        return [], []
    kwargs = dict(check.spec.get("kwargs", {}))
    total = check.total_epochs
    seed_arg = check.spec.get("seed_arg", "seed")
    xs: list[int] = []
    ys: list[float] = []
    for epochs in EPOCH_GRID:
        if total is None or epochs > total:
            break
        params = as_params(
            list(train(X, Y, **{**kwargs, check.epochs_arg: epochs, seed_arg: seed}))
        )
        if params:
            xs.append(epochs)
            ys.append(loss(params, X, Y))
    if total and (not xs or xs[-1] != total):
        params = as_params(list(train(X, Y, **{**kwargs, seed_arg: seed})))
        if params:
            xs.append(total)
            ys.append(loss(params, X, Y))
    return xs, ys
