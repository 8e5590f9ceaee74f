"""The test folders mirror the grader package: tests/checks, tests/sandbox (with the
hostile submissions in tests/sandbox/hostile), tests/diagnosis, tests/cli, tests/api,
tests/web and tests/jobs test the packages of those names, tests/db the migrations and
models; tests of grader's top-level modules (config, leases, policy, uploads, ...) are at
the top. tests/compose is the container test (`make compose-test` only); tests/heldout
and tests/diagnosis_dev are diagnosis corpora. What tests import is in helpers.py and
service_helpers.py; the service fixtures are in service_fixtures.py, a plugin for every
folder."""

from __future__ import annotations

import shutil

import pytest

#: the service fixtures (app, client, runner, databases, live server, Redis) for every folder
pytest_plugins = ["tests.service_fixtures"]


@pytest.fixture(scope="session", autouse=True)
def _bubblewrap() -> None:
    if not shutil.which("bwrap"):
        pytest.exit(
            "bubblewrap is missing: run `make setup` (Debian package bubblewrap)", returncode=3
        )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that share a sandbox group, or one grading of a corpus file, rely on
    ``--dist loadgroup`` sending their group to one worker; pytest-xdist marks them by
    rewriting their node ids. If an upgrade breaks that, the groups would be silently
    ignored (seen with pytest 9): fail the run instead."""
    if not getattr(config.option, "loadgroup", False):
        return
    grouped = [item for item in items if item.get_closest_marker("xdist_group")]
    if grouped and "@" not in grouped[0].nodeid:
        raise pytest.UsageError(
            "--dist loadgroup is not in effect (xdist_group markers are ignored by this "
            "pytest / pytest-xdist pair); see the pytest pin in pyproject.toml"
        )
