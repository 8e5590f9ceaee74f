"""Plots for the feedback, rendered in the trusted process from what the sandbox returned.

For every convergence check that returned trained parameters:

* ``<check>-loss.png``: the training loss of the student's run next to the
  reference's on the same data. A ``train()`` returns only its final
  parameters: its curve comes from the check's ``curve_epochs`` (the first seed
  trained again for fewer epochs, inside the sandbox); without them, and for
  the other seeds, the student's final loss is a point at the last epoch;
* ``<check>-boundary.png``: for two-dimensional inputs (circles, XOR), the
  decision boundary of the student's trained network over the data, computed
  with the reference forward pass.

The student's code never runs here: only the reference's, on the parameters
that came back as plain data. ``render_plots(assignment, result)`` returns
``{file name: PNG bytes}``; the engine keeps the trained parameters in the
convergence checks' details under ``"trained"``.
"""

from __future__ import annotations

import io
import logging
import warnings
from typing import Any

import numpy as np

from grader.checks.steps import shaped
from grader.reference_curves import as_params, reference_curve
from grader.sandbox.inside import training

log = logging.getLogger(__name__)

LOSS_NAMES = ("cost_of_params", "loss_of_params")
OUTPUT_NAMES = ("nn", "predict", "forward")


def render_plots(assignment, result) -> dict[str, bytes]:
    """PNG images by file name; empty when there is nothing to draw. Never raises."""
    plots: dict[str, bytes] = {}
    if getattr(result, "status", None) != "graded":
        return plots
    by_name = {c.name: c for c in result.checks}
    for check in assignment.checks:
        if check.kind != "convergence" or check.name not in by_name:
            continue
        details = by_name[check.name].details
        trained = details.get("trained")
        shapes = check.expected_shapes(assignment.reference, check.seeds[0])
        if not trained or all(_student_run(check, v, shapes)[0] is None for v in trained):
            continue  # the student's training returned nothing: no plot of the reference alone
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                curve = details.get("curve") or []
                runs = details.get("runs") or []
                plots.update(
                    _check_plots(
                        assignment.reference,
                        check,
                        trained,
                        curve,
                        shapes,
                        runs,
                        digest=getattr(assignment, "digest", ""),
                    )
                )
        except Exception:  # noqa: BLE001 - a plot must never cost a result
            log.exception("plots of %s for %s failed", check.name, assignment.slug)
    return plots


# -- data -----------------------------------------------------------------------------------


def _like(params: list[np.ndarray] | None, shapes: list) -> list[np.ndarray] | None:
    """``params`` if its shapes are ``shapes`` (nothing else is drawn), else None: the
    reference's work stays the size of its own, whatever came back."""
    return params if params is not None and shaped(params, shapes) else None


def _student_run(
    check, value: Any, shapes: list
) -> tuple[list[np.ndarray] | None, list[list[np.ndarray]]]:
    """(final parameters, trajectory of snapshots) from what the sandbox returned; what has
    not the expected ``shapes`` is left out."""
    if check.driver.loop and isinstance(value, list) and len(value) == 2:
        final = _like(as_params(value[0]), shapes)
        if final is None or not isinstance(value[1], list):
            return final, []
        return final, [p for p in (_like(as_params(s), shapes) for s in value[1]) if p]
    return _like(as_params(value), shapes), []


def _loss_function(reference, check):
    name = check.loss or next(
        (n for n in LOSS_NAMES if callable(getattr(reference, n, None))), None
    )
    fn = getattr(reference, name, None) if name else None
    if fn is None:
        return None
    if name == check.loss:  # the check's own loss: loss(params, X, Y)
        return lambda params, X, Y: float(fn(params, X, Y))
    return lambda params, X, Y: float(fn(X, Y, *params))


def _output_function(reference, check):
    names = [check.spec["plot_output"]] if check.spec.get("plot_output") else OUTPUT_NAMES
    for name in names:
        fn = getattr(reference, name, None)
        if callable(fn):

            def out(params, X, fn=fn):
                value = fn(X, *params)
                return np.asarray(
                    value[-1] if isinstance(value, (list, tuple)) else value, dtype=float
                )

            return out
    return None


# -- drawing --------------------------------------------------------------------------------


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _check_plots(
    reference,
    check,
    trained: list,
    curve: list,
    shapes: list,
    runs: list | None = None,
    digest: str = "",
) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    # the grading run's own data (seed, sample order, classes); results stored before
    # runs had them name only the seed
    if not runs or len(runs) != len(trained) or not all(isinstance(r, dict) for r in runs):
        runs = [{"seed": seed} for seed in check.seeds[: len(trained)]]
    seeds = [int(r["seed"]) for r in runs]
    data = [check.run_data(r) for r in runs]
    descriptors = runs
    runs = [_student_run(check, value, shapes) for value in trained]  # from here, the student's
    loss = _loss_function(reference, check)
    if loss is not None:
        curves = _with_curve(check, runs, curve)
        references = [reference_curve(reference, check, run, loss, digest) for run in descriptors]
        out[f"{check.name}-loss.png"] = _loss_plot(check, seeds, data, curves, loss, references)
    predict = _output_function(reference, check)
    if predict is not None and data and data[0][0].shape[1] == 2 and any(r[0] for r in runs):
        out[f"{check.name}-boundary.png"] = _boundary_plot(check, seeds, data, runs, predict)
    return out


def _with_curve(check, runs: list, curve: list) -> list[tuple[Any, list, list[int]]]:
    """(final, snapshots, their steps) per run. A loop's snapshots are every
    ``training.snapshot_every`` steps; a ``train()`` has snapshots only for the first seed,
    from the shorter trainings of ``curve_epochs``, ending with its final parameters."""
    if check.driver.loop:
        iterations = int(check.spec["iterations"])
        every = training.snapshot_every(iterations)
        return [
            (final, snaps, [min(k * every, iterations) for k in range(len(snaps))])
            for final, snaps in runs
        ]
    out: list[tuple[Any, list, list[int]]] = [(final, [], []) for final, _ in runs]
    if not runs or runs[0][0] is None:
        return out
    final = runs[0][0]
    shapes = [p.shape for p in final]
    points = [
        (e, p)
        for e, p in ((e, _like(as_params(v), shapes)) for e, v in curve if isinstance(e, int))
        if p
    ]
    if points:
        steps = [e for e, _ in points] + [check.total_epochs or 0]
        out[0] = (final, [p for _, p in points] + [final], steps)
    return out


def _loss_plot(check, seeds, data, runs, loss, references) -> bytes:
    """The reference's curves are drawn over the student's, wide and dashed in black-edged
    colours with markers, so that a correct submission (the same curve) does not hide them."""
    fig = _figure(6.4, 4.0)
    ax = fig.add_subplot()
    colours = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple")
    rows = zip(seeds, data, runs, references, strict=True)
    for i, (seed, (X, Y), (final, snaps, steps), (xs, ys)) in enumerate(rows):
        colour = colours[i % len(colours)]
        if snaps:
            ax.plot(
                steps,
                [loss(p, X, Y) for p in snaps],
                color=colour,
                linewidth=5,
                alpha=0.35,
                solid_capstyle="round",
                label=f"yours, seed {seed}",
                zorder=2,
            )
        elif final:
            last = xs[-1] if xs else 1
            ax.plot(
                [last],
                [loss(final, X, Y)],
                marker="o",
                markersize=11,
                alpha=0.45,
                color=colour,
                linestyle="none",
                label=f"yours (final), seed {seed}",
                zorder=2,
            )
        if xs:
            ax.plot(
                xs,
                ys,
                color=colour,
                linestyle=(0, (3, 2)),
                linewidth=1.4,
                marker="x",
                markersize=5,
                label=f"reference, seed {seed}",
                zorder=3,
            )
    ax.set_xlabel(check.driver.step_name)
    ax.set_ylabel("training loss (reference formula)")
    if not check.driver.loop:
        ax.set_xscale("symlog", linthresh=10)
    ax.set_title(f"{check.name}: your training (wide) and the reference's (dashed)")
    ax.legend(fontsize="small")
    fig.subplots_adjust(left=0.11, right=0.98, bottom=0.12, top=0.92)
    return _png(fig)


def _classes(outputs: np.ndarray) -> np.ndarray:
    if outputs.ndim == 2 and outputs.shape[1] > 1:
        return np.argmax(outputs, axis=1)
    return (outputs.reshape(len(outputs), -1)[:, 0] >= 0.5).astype(int)


CLASS_STYLES = ((0, "o", "tab:red"), (1, "s", "tab:blue"))
ZONE_COLOURS = ("#f4c7c3", "#c6dbef")  # class 0 light red, class 1 light blue


def _class_legend() -> list:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list = []
    for label, marker, colour in CLASS_STYLES:
        handles.append(
            Line2D(
                [],
                [],
                marker=marker,
                color=colour,
                markeredgecolor="black",
                linestyle="none",
                label=f"class {label}",
            )
        )
    for label, zone in enumerate(ZONE_COLOURS):
        handles.append(Patch(facecolor=zone, label=f"predicted {label}"))
    return handles


def _boundary_plot(check, seeds, data, runs, predict) -> bytes:
    from matplotlib.colors import ListedColormap

    count = len(seeds)
    fig = _figure(3.6 * count, 3.6)
    for i, (seed, (X, Y), (final, _)) in enumerate(zip(seeds, data, runs, strict=True)):
        ax = fig.add_subplot(1, count, i + 1)
        lo, hi = X.min(axis=0), X.max(axis=0)
        pad = 0.25 * (hi - lo) + 0.1
        gx, gy = np.meshgrid(
            np.linspace(lo[0] - pad[0], hi[0] + pad[0], 160),
            np.linspace(lo[1] - pad[1], hi[1] + pad[1], 160),
        )
        grid = np.c_[gx.ravel(), gy.ravel()]
        labels = _classes(Y)
        if final:
            try:
                zone = _classes(predict(final, grid)).reshape(gx.shape)
                ax.imshow(  # an image of the grid: a fraction of contourf's cost
                    np.clip(zone, 0, 1),
                    origin="lower",
                    extent=(gx[0, 0], gx[0, -1], gy[0, 0], gy[-1, 0]),
                    cmap=ListedColormap(list(ZONE_COLOURS)),
                    vmin=0,
                    vmax=1,
                    interpolation="nearest",
                    aspect="auto",
                    alpha=0.9,
                )
            except Exception:  # noqa: BLE001 - parameters of the wrong shape: data only
                ax.text(0.5, 0.02, "parameters unusable", transform=ax.transAxes, ha="center")
        else:
            ax.text(0.5, 0.02, "no trained parameters", transform=ax.transAxes, ha="center")
        for label, marker, colour in CLASS_STYLES:
            mask = labels == label
            ax.scatter(
                X[mask, 0],
                X[mask, 1],
                marker=marker,
                c=colour,
                s=18,
                edgecolors="black",
                linewidths=0.4,
            )
        ax.set_title(f"seed {seed}", fontsize="small")
        ax.set_xlabel("x[0]", fontsize="small")
        ax.set_ylabel("x[1]", fontsize="small")
        ax.tick_params(labelsize="x-small")
        ax.locator_params(nbins=4)
    fig.suptitle(f"{check.name}: decision boundary of your trained network")
    fig.legend(handles=_class_legend(), loc="lower center", ncol=4, fontsize="small")
    width = 3.6 * count  # fixed margins, in inches: tight_layout would draw it all twice
    fig.subplots_adjust(
        left=0.55 / width, right=1 - 0.15 / width, bottom=0.25, top=0.83, wspace=0.35
    )
    return _png(fig)
