"""Training data generated inside the grader, deterministically from a seed."""

from __future__ import annotations

import numpy as np

from grader.errors import AssignmentError


def xor(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    Y = np.array([[0, 1, 1, 0]], dtype=float).T
    return X, Y


def circles(
    seed: int = 0, n_samples: int = 100, factor: float = 0.3, noise: float = 0.1
) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's ``make_circles(shuffle=False)``, with one-hot targets as in the tutorial."""
    rng = np.random.default_rng(seed)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    lin_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    lin_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    X = np.vstack(
        [
            np.c_[np.cos(lin_out), np.sin(lin_out)],
            np.c_[np.cos(lin_in), np.sin(lin_in)] * factor,
        ]
    )
    t = np.r_[np.zeros(n_out, dtype=int), np.ones(n_in, dtype=int)]
    X = X + rng.normal(scale=noise, size=X.shape)
    T = np.zeros((n_samples, 2))
    T[t == 1, 1] = 1
    T[t == 0, 0] = 1
    return X, T


DATASETS = {"xor": xor, "circles": circles}


def variant(
    X: np.ndarray, Y: np.ndarray, order: list[int] | None = None, swap: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """The same problem in another sample ``order``, with the two classes swapped if ``swap``
    (``1 - Y`` for one output column, the columns reversed for one-hot targets): a grading
    run's own data, so that parameters fitted in advance for the public data do not carry."""
    if order is not None:
        X, Y = X[np.asarray(order)], Y[np.asarray(order)]
    if swap:
        Y = 1.0 - Y if Y.shape[1] == 1 else Y[:, ::-1].copy()
    return X, Y


def make(spec: dict, seed: int) -> tuple[np.ndarray, np.ndarray]:
    options = dict(spec)
    name = options.pop("name", None)
    if name not in DATASETS:
        raise AssignmentError(f"unknown dataset {name!r} (known: {', '.join(DATASETS)})")
    try:
        return DATASETS[name](seed, **options)
    except TypeError as exc:
        raise AssignmentError(f"dataset {name!r}: {exc}") from exc
