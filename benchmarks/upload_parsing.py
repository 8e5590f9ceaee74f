"""What reading one upload costs the web process: seconds and peak memory of
``read_upload`` on hostile and heavy notebooks (medians of several runs).

    python benchmarks/upload_parsing.py [--runs N] [CASE ...]

Each run is a fresh interpreter that holds the upload as bytes (as the web request
does), resets its peak-RSS mark, reads the upload and reports the time, the outcome
and how far the peak RSS rose above the RSS it had with the upload in memory.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import upload_bombs  # noqa: E402

CASES = {
    "markdown-cells-1.1M": lambda: upload_bombs.many_markdown_cells(1_100_000, 65.6),
    "source-list-1M-lines": lambda: upload_bombs.long_source_list(1_000_000),
    "source-list-900k-lines": lambda: upload_bombs.long_source_list(900_000),
    "nesting-in-output-10M": lambda: upload_bombs.deep_nesting_in_output(10_000_000),
    "nesting-in-output-400k": lambda: upload_bombs.deep_nesting_in_output(400_000),
    "values-in-output-10M": lambda: upload_bombs.many_values_in_output(10_000_000),
    "values-in-output-495k": lambda: upload_bombs.many_values_in_output(495_000),
    "png-outputs-30MB": lambda: upload_bombs.png_outputs(
        (ROOT / "submissions" / "circles-softmax" / "correct.ipynb").read_bytes(), 30
    ),
}

CHILD = r"""
import json, sys, time
from pathlib import Path

def status(key):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024

from grader.errors import SubmissionRejected
from grader.uploads import read_upload

data = Path(sys.argv[1]).read_bytes()
try:
    import nbformat  # imported ahead, so its import is not counted as parsing
except ImportError:
    pass
Path("/proc/self/clear_refs").write_text("5")
before = status("VmRSS")
start = time.perf_counter()
try:
    sub = read_upload("upload.ipynb", data)
    outcome = f"accepted ({len(sub.cells)} code cells)"
except SubmissionRejected as exc:
    outcome = "rejected: " + exc.message
except BaseException as exc:
    outcome = f"CRASH {type(exc).__name__}: {str(exc)[:80]}"
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "peak_mb": (status("VmHWM") - before) / 1e6,
                  "outcome": outcome}))
"""


def run_case(path: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT)},
    )
    if done.returncode:
        return {"seconds": float("nan"), "peak_mb": float("nan"), "outcome": done.stderr[-200:]}
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", metavar="CASE", help=", ".join(CASES))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    unknown = set(args.cases) - set(CASES)
    if unknown:
        parser.error(f"unknown case(s) {', '.join(sorted(unknown))}; known: {', '.join(CASES)}")
    args.cases = args.cases or list(CASES)
    print(f"{'case':24} {'MB':>6} {'seconds':>8} {'peak MB':>8}  outcome")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.cases:
            path = Path(tmp) / f"{name}.ipynb"
            path.write_bytes(CASES[name]())
            runs = [run_case(path) for _ in range(args.runs)]
            size = path.stat().st_size / 1e6
            seconds = statistics.median(r["seconds"] for r in runs)
            peak = statistics.median(r["peak_mb"] for r in runs)
            print(
                f"{name:24} {size:6.1f} {seconds:8.3f} {peak:8.0f}  {runs[0]['outcome'][:70]}",
                flush=True,
            )
            path.unlink()


if __name__ == "__main__":
    main()
