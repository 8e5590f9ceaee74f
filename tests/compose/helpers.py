"""What the compose test uses (`make compose-test`, as root; its fixtures are in conftest.py).

A container engine of our own (Debian's dockerd, with its own data folder and socket,
no bridge network), a base image built from Debian's packages (debootstrap; no image
registry is reached), stand-in PostgreSQL and Redis images on it, and the project's
docker-compose.yml with tests/compose/docker-compose.host.yml: host networking on free
loopback ports. Everything is stopped and removed at the end; the images stay in the
engine's data folder (the base image is built only when missing).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
WORK = Path(
    os.environ.get("GRADER_COMPOSE_TEST_DIR") or Path(tempfile.gettempdir()) / "grader-compose-test"
)
BASE_IMAGE = "grader-test-base:bookworm"
POSTGRES_IMAGE = "grader-test-postgres:15"
REDIS_IMAGE = "grader-test-redis:7"
PROJECT = "grader-compose-test"
#: certificates this machine's administrator added (update-ca-certificates' local folder):
#: a machine that intercepts TLS needs them inside the images it builds too
LOCAL_CA = Path("/usr/local/share/ca-certificates")


def run(argv: list, env: dict | None = None, timeout: float = 600, **kwargs) -> str:
    """Run a command; fail the test with its output when it fails."""
    proc = subprocess.run(
        [str(a) for a in argv],
        env=env,
        timeout=timeout,
        capture_output=True,
        text=True,
        check=False,
        **kwargs,
    )
    if proc.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, argv))} exited {proc.returncode}:\n"
            f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
    return proc.stdout


def wait_for(what: str, check, timeout: float, every: float = 1.0, describe=None):
    """Poll ``check`` until it returns something true, or fail after ``timeout`` s
    (with what ``describe()`` says of the state then)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            detail = f":\n{describe()}" if describe else ""
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}{detail}")
        time.sleep(every)


class Engine:
    """dockerd with its own data folder and socket, started and stopped by the test."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.socket = folder / "docker.sock"
        self.docker = shutil.which("docker")
        self.env = {
            **os.environ,
            "DOCKER_HOST": f"unix://{self.socket}",
            # the classic builder: builds on the host's network without BuildKit entitlements
            "DOCKER_BUILDKIT": "0",
            "COMPOSE_DOCKER_CLI_BUILD": "0",
        }
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        dockerd = shutil.which("dockerd")
        if not dockerd or not self.docker:
            pytest.fail(
                "dockerd or docker is missing: run `make compose-test` (installs docker.io)"
            )
        self.folder.mkdir(parents=True, exist_ok=True)
        config = self.folder / "daemon.json"
        # no bridge network, no firewall rules: containers use the host's network
        config.write_text(json.dumps({"bridge": "none", "iptables": False, "ip-masq": False}))
        with open(self.folder / "dockerd.log", "ab") as log:
            self.proc = subprocess.Popen(
                [
                    dockerd,
                    "--config-file",
                    str(config),
                    "--data-root",
                    str(self.folder / "data"),
                    "--exec-root",
                    str(self.folder / "exec"),
                    "--pidfile",
                    str(self.folder / "dockerd.pid"),
                    "--host",
                    f"unix://{self.socket}",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

        def up() -> bool:
            if self.proc.poll() is not None:
                tail = (self.folder / "dockerd.log").read_text(errors="replace")[-2000:]
                pytest.fail(f"dockerd exited {self.proc.returncode}:\n{tail}")
            return self.docker_ok("version")

        wait_for("the container engine to answer", up, timeout=60, every=0.5)

    def docker_ok(self, *args: str) -> bool:
        return (
            subprocess.run(
                [self.docker, *args], env=self.env, capture_output=True, check=False, timeout=60
            ).returncode
            == 0
        )

    def run(self, *args, **kwargs) -> str:
        return run([self.docker, *args], env=self.env, **kwargs)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)


def apt_mirror() -> str:
    """The Debian mirror this machine's apt uses (deb822 or one-line sources)."""
    sources = Path("/etc/apt")
    for path in [*sorted(sources.glob("sources.list.d/*.sources")), sources / "sources.list"]:
        if not path.is_file():
            continue
        for line in path.read_text().splitlines():
            words = line.split()
            if words[:1] == ["URIs:"]:
                urls = words[1:]
            elif words[:1] == ["deb"]:
                urls = [w for w in words[1:] if not w.startswith("[")][:1]
            else:
                continue
            for url in urls:
                if url.rstrip("/").endswith("/debian"):
                    return url
    pytest.fail("no Debian mirror in the apt sources to build the base image from")


def build_base_image(engine: Engine) -> None:
    """Debian bookworm from the mirror (debootstrap), with this machine's local CA
    certificates, imported as BASE_IMAGE. Skipped when the image exists."""
    if engine.docker_ok("image", "inspect", BASE_IMAGE):
        return
    rootfs = WORK / "rootfs"
    shutil.rmtree(rootfs, ignore_errors=True)
    run(
        ["debootstrap", "--variant=minbase", "bookworm", rootfs, apt_mirror()],
        timeout=900,
    )
    certificates = sorted(LOCAL_CA.glob("**/*.crt")) if LOCAL_CA.is_dir() else []
    target = rootfs / LOCAL_CA.relative_to("/")
    target.mkdir(parents=True, exist_ok=True)
    for cert in certificates:  # installed by the images' ca-certificates package
        shutil.copy(cert, target / cert.name)
    for folder in ("var/cache/apt/archives", "var/lib/apt/lists"):
        for item in (rootfs / folder).glob("*"):
            if item.is_file():
                item.unlink()
    tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
    run(
        [
            engine.docker,
            "import",
            "--change",
            "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            # pip in the image trusts what the system does (the local certificates too)
            "--change",
            "ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt",
            "--change",
            'CMD ["bash"]',
            "-",
            BASE_IMAGE,
        ],
        env=engine.env,
        stdin=tar.stdout,
        timeout=600,
    )
    tar.wait(timeout=60)
    shutil.rmtree(rootfs, ignore_errors=True)


def free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


class Stack:
    """docker-compose.yml with the host-network override, as one compose project."""

    def __init__(self, engine: Engine, compose: str) -> None:
        self.engine = engine
        db_port, redis_port, web_port = free_ports(3)
        self.url = f"http://127.0.0.1:{web_port}"
        self.env = {
            **engine.env,
            "GRADER_SECRET_KEY": secrets.token_hex(32),
            "GRADER_DB_PASSWORD": secrets.token_hex(16),
            "TEST_DB_PORT": str(db_port),
            "TEST_REDIS_PORT": str(redis_port),
            "TEST_WEB_PORT": str(web_port),
            "TEST_BASE_IMAGE": BASE_IMAGE,
            "TEST_POSTGRES_IMAGE": POSTGRES_IMAGE,
            "TEST_REDIS_IMAGE": REDIS_IMAGE,
        }
        files = [ROOT / "docker-compose.yml", HERE / "docker-compose.host.yml"]
        self.argv = [compose, "--project-name", PROJECT]
        for f in files:
            self.argv += ["--file", str(f)]
        self.argv += ["--project-directory", str(ROOT)]

    def compose(self, *args, timeout: float = 600) -> str:
        return run([*self.argv, *args], env=self.env, timeout=timeout)

    def containers(self, service: str | None = None) -> list[dict]:
        out = self.compose("ps", "--all", "--format", "json", *([service] if service else []))
        text = out.strip()
        if text.startswith("["):  # older Compose v2: one JSON array
            return json.loads(text)
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def inspect(self, container: str) -> dict:
        return json.loads(self.engine.run("inspect", container))[0]
