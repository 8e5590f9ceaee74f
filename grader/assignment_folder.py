"""Assignments: a folder with a declarative spec and a reference solution.

Loading a malformed spec raises AssignmentError naming the file and the field.
The reference solution is imported lazily, in the trusted process only.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import ModuleType

from grader.checks import Check, build_check
from grader.errors import AssignmentError, AssignmentNotFound
from grader.forbidden_imports import validate as validate_forbidden
from grader.sandbox.limits import DEFAULT_LIMITS, Limits

SPEC_FILE = "assignment.toml"


@dataclass(frozen=True)
class Function:
    name: str
    signature: str
    doc: str = ""


@dataclass
class LoadedAssignment:
    """An assignment folder as the grading engine uses it (the service's database row
    that registers one is ``models.Assignment``)."""

    slug: str
    title: str
    description: str
    version: int
    path: Path
    functions: list[Function]
    checks: list[Check]
    limits: Limits
    reference_file: Path
    starter: Path | None = None
    digest: str = ""
    spec: dict = field(default_factory=dict, repr=False)
    #: modules the submission may not import (its convergence checks then score nothing)
    forbidden_imports: tuple[str, ...] = ()

    @property
    def max_score(self) -> float:
        return float(sum(c.points for c in self.checks))

    @cached_property
    def reference(self) -> ModuleType:
        return _import(self.reference_file, f"grader_reference_{self.slug.replace('-', '_')}")

    def verify_reference(self) -> None:
        """Every function the checks call in the reference exists (raises AssignmentError)."""
        missing = sorted(
            {
                name
                for c in self.checks
                for name in (*c.student_functions(), *c.reference_functions())
                if not callable(getattr(self.reference, name, None))
            }
        )
        if missing:
            raise AssignmentError(
                f"{self.reference_file}: missing functions {', '.join(missing)}", field="reference"
            )


def _import(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise AssignmentError(f"{path}: cannot be imported", field="reference")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise AssignmentError(
            f"{path}: importing the reference failed: {exc}", field="reference"
        ) from exc
    return module


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            h.update(str(path.relative_to(folder)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def _require(spec: dict, key: str, kind: type, source: Path):
    if key not in spec:
        raise AssignmentError(f"{source}: missing field {key!r}", field=key)
    value = spec[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise AssignmentError(f"{source}: field {key!r} must be a {kind.__name__}", field=key)
    return value


def load_assignment(folder: Path | str) -> LoadedAssignment:
    folder = Path(folder)
    source = folder / SPEC_FILE
    if not source.is_file():
        raise AssignmentError(f"{source}: not found (an assignment folder needs {SPEC_FILE})")
    try:
        spec = tomllib.loads(source.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AssignmentError(f"{source}: not valid TOML: {exc}") from exc
    title = _require(spec, "title", str, source)
    version = _require(spec, "version", int, source)
    dims = spec.get("dims", [{}])
    if not isinstance(dims, list) or not all(isinstance(d, dict) for d in dims) or not dims:
        raise AssignmentError(f"{source}: dims must be a list of tables", field="dims")
    functions = []
    for i, item in enumerate(spec.get("functions", [])):
        if not isinstance(item, dict) or "name" not in item:
            raise AssignmentError(f"{source}: functions[{i}] needs a name", field="functions")
        functions.append(
            Function(
                item["name"], item.get("signature", item["name"] + "(...)"), item.get("doc", "")
            )
        )
    raw_checks = _require(spec, "checks", list, source)
    checks = [
        build_check(c, dims=dims, source=f"{source}: checks[{i}]") for i, c in enumerate(raw_checks)
    ]
    names = [c.name for c in checks]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise AssignmentError(
            f"{source}: duplicate check names {', '.join(duplicates)}", field="name"
        )
    limits = DEFAULT_LIMITS.override(spec.get("limits", {}), source=f"{source}: limits")
    forbidden = validate_forbidden(spec.get("forbidden_imports", []), str(source))
    reference = folder / spec.get("reference", "reference.py")
    if not reference.is_file():
        raise AssignmentError(
            f"{source}: reference file {reference.name} not found", field="reference"
        )
    starter = folder / spec["starter"] if spec.get("starter") else None
    if starter is not None and not starter.is_file():
        raise AssignmentError(f"{source}: starter file {starter.name} not found", field="starter")
    return LoadedAssignment(
        slug=folder.name,
        title=title,
        description=spec.get("description", ""),
        version=version,
        path=folder,
        functions=functions,
        checks=checks,
        limits=limits,
        reference_file=reference,
        starter=starter,
        digest=_digest(folder),
        spec=spec,
        forbidden_imports=forbidden,
    )


def default_root() -> Path:
    from grader.config import assignments_dir

    return assignments_dir()


def discover(root: Path | str | None = None) -> dict[str, LoadedAssignment]:
    root = Path(root) if root else default_root()
    found = {}
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        if (folder / SPEC_FILE).is_file():
            found[folder.name] = load_assignment(folder)
    return found


def find(slug: str, root: Path | str | None = None) -> LoadedAssignment:
    """An assignment by slug, or by the path of its folder."""
    as_path = Path(slug)
    if (as_path / SPEC_FILE).is_file():
        return load_assignment(as_path)
    root = Path(root) if root else default_root()
    folder = root / slug
    if os.sep in slug or slug.startswith(".") or not (folder / SPEC_FILE).is_file():
        raise AssignmentNotFound(f"no assignment {slug!r} in {root}")
    return load_assignment(folder)
