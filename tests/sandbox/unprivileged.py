"""Grade as an unprivileged user, the way the container runs the grader.

Started as root by the tests: ``python tests/sandbox/unprivileged.py SLUG FILE [--details]``.
It loads the assignment and the submission and imports the grading code while still
root (the interpreter and the checkout may live in folders only root can enter), hands
the sandbox a student environment every user can read, then drops to ``GRADER_TEST_UID``
for good and grades with the real engine. It prints the same JSON as ``grader grade
--json``. Without root, the sandbox runs as the grader's own uid: no uid of its own, no
per-uid clean-up, so the run's bounds must hold without them.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import re
import sys
from pathlib import Path

import grader
import grader.engine
from grader import assignment_folder
from grader.plots import render_plots
from grader.sandbox.access import sandbox_readable_env
from grader.sandbox.backends import default_student_env
from grader.uploads import read_upload

DEFAULT_UID = 60900  # outside the sandbox uid pool (61000 and up)


#: imported while still root: after the drop, modules may sit in folders we cannot enter
CORE_PACKAGES = ("grader.checks", "grader.diagnosis", "grader.sandbox", "grader.sandbox.inside")
STDLIB = ("encodings.ascii", "encodings.latin_1", "encodings.idna", "selectors", "uuid")
PLOTTING = ("matplotlib.backends.backend_agg", "matplotlib.figure", "matplotlib.colors")


def import_grading_code() -> None:
    for name in STDLIB + PLOTTING:
        importlib.import_module(name)
    for package in CORE_PACKAGES:
        module = importlib.import_module(package)
        for info in pkgutil.iter_modules(module.__path__, package + "."):
            if not info.name.endswith(("harness", "seccomp_policy")):
                importlib.import_module(info.name)
    for name in ("plots", "result_text", "results", "datasets", "uploads"):
        importlib.import_module(f"grader.{name}")


def main() -> None:
    slug, path = sys.argv[1], sys.argv[2]
    details = "--details" in sys.argv[3:]  # --plots DIR: render them (not written)
    uid = int(os.environ.get("GRADER_TEST_UID", DEFAULT_UID))
    assert os.geteuid() == 0, "started as root, to drop to an unprivileged uid"
    import_grading_code()
    assignment = assignment_folder.find(slug)
    with open(path, "rb") as fh:
        submission = read_upload(os.path.basename(path), fh.read())
    os.environ["GRADER_SANDBOX_ENV"] = sandbox_readable_env(default_student_env())
    os.chdir("/")
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else None
    result = grader.engine.grade(assignment, submission, seed=seed)
    if "--plots" in sys.argv:
        render_plots(assignment, result)
    print(json.dumps(result.to_dict(details=details)), flush=True)
    # VmHWM of this process alone (ru_maxrss would include the peak of pytest, our parent)
    peak = re.search(r"VmHWM:\s+(\d+)", Path("/proc/self/status").read_text()).group(1)
    print(f"grader-maxrss-kb={peak}", file=sys.stderr)


if __name__ == "__main__":
    main()
