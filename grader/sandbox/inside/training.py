"""Training loops driven by step functions, written once for every place that runs them.

Inside the sandbox, the harness's ``momentum`` driver runs the student's step functions
here; in the trusted process, the same loop trains the reference (its loss curves, the
seed pools) and the mutated references of ``grader validate``. numpy only, like the
codec: this module is copied into the sandbox.
"""

import numpy as np

#: parameter snapshots a loop keeps for the loss plot (about this many)
SNAPSHOTS = 30


def snapshot_every(iterations, snapshots=SNAPSHOTS):
    """A loop keeps its parameters after every this many iterations."""
    return max(1, int(iterations) // snapshots)


def _flat(values):
    """A copy of a list of arrays as one float vector (the student may update in place),
    or None when they are not arrays: the check of the parameters' shapes says so."""
    try:
        return np.concatenate([np.array(v, dtype=float).ravel() for v in values])
    except Exception:  # noqa: BLE001
        return None


def momentum(
    update_velocity,
    update_params,
    X,
    T,
    params,
    *,
    iterations,
    learning_rate,
    momentum,
    record=(),
    snapshots=SNAPSHOTS,
):
    """The tutorial's loop from ``params`` with zero velocities:
    ``V = update_velocity(X, T, P, V, momentum, learning_rate)``, ``P = update_params(P, V)``.

    Returns [final parameters, trajectory, records]: the trajectory holds the parameters
    at the start and after every ``snapshot_every`` iterations; records, for the
    iterations in ``record``, [iterations, P, V before, V, P after] stacked as arrays for
    the trusted side to recompute (None when nothing was recorded or the sizes changed).
    """
    params = list(params)
    velocities = [np.zeros_like(p) for p in params]
    trajectory = [list(params)]
    every = snapshot_every(iterations, snapshots)
    record, rows = set(record), []
    for i in range(int(iterations)):
        row = [i, _flat(params), _flat(velocities)] if i in record else None
        velocities = update_velocity(X, T, params, velocities, momentum, learning_rate)
        if row:
            row.append(_flat(velocities))
        params = update_params(params, velocities)
        if row:
            rows.append([*row, _flat(params)])
        if (i + 1) % every == 0:
            trajectory.append(list(params))
    try:
        records = [np.array([r[0] for r in rows])]
        records += [np.stack([r[j] for r in rows]) for j in range(1, 5)] if rows else []
    except Exception:  # noqa: BLE001 - not arrays, or sizes that changed along the way
        records = None
    return [list(params), trajectory, records if rows else None]
