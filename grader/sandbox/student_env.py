"""What the student environment provides, for the words a student reads when an import fails.

`make setup` installs these packages (the Makefile's ``STUDENT_PACKAGES``, checked
against this list by the tests) for the sandbox's interpreter, next to Python's
standard library. A notebook that imports anything else keeps running: the
import binds a placeholder (``notebook_env.py``), and only the code that uses it
fails, with the line :func:`unavailable` writes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# pip names, in the Makefile's order
STUDENT_PACKAGES = (
    "numpy",
    "matplotlib",
    "scikit-learn",
    "scipy",
    "pandas",
    "tqdm",
    "ipython",
    "ipywidgets",
)
IMPORT_NAMES = {"scikit-learn": "sklearn", "ipython": "IPython"}

_NO_MODULE = re.compile(r"No module named '([\w.]+)'")


def provided() -> list[str]:
    """The import names: ``sklearn``, ``IPython``, ..."""
    return [IMPORT_NAMES.get(p, p) for p in STUDENT_PACKAGES]


def unavailable(package: str) -> str:
    return (
        f"`{package}` is not available in the grading environment; the assignment allows: "
        f"{', '.join(provided())} and Python's standard library"
    )


def missing_package(error: Mapping[str, Any] | None) -> str | None:
    """The package a ModuleNotFoundError from the sandbox names, unless the environment has it
    (then the import itself is wrong, such as a misspelt submodule, and says so itself)."""
    if not isinstance(error, dict) or error.get("type") != "ModuleNotFoundError":
        return None
    found = _NO_MODULE.search(str(error.get("message", "")))
    if not found:
        return None
    package = found[1].split(".")[0]
    return None if package in provided() else package
