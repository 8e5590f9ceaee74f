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
