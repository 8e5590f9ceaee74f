"""How a run is started: bubblewrap (the default) or bare processes (unsafe)."""

from __future__ import annotations

import logging
import os
import shutil
import sys
from pathlib import Path

from grader.errors import SandboxUnavailable
from grader.sandbox.access import sandbox_readable_env
from grader.sandbox.run_limits import Limits

log = logging.getLogger(__name__)

JOB_DIR = "/job"
ENV_DIR = "/opt/student-env"
SECCOMP_FILE = "seccomp.bpf"  # written by `make setup` (grader/sandbox/seccomp_policy.py)

CHILD_ENV = {
    "PATH": "/usr/bin:/bin",
    "HOME": "/tmp",
    "LANG": "C.UTF-8",
    "MPLBACKEND": "Agg",
    "MPLCONFIGDIR": "/tmp/matplotlib",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "PYTHONHASHSEED": "0",
    "PYTHONDONTWRITEBYTECODE": "1",
}


def _system_dirs() -> list[str]:
    """Bind the read-only system; merged-/usr links are recreated as links."""
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for name in ("/etc/ld.so.cache", "/etc/alternatives"):
        if os.path.exists(name):
            args += ["--ro-bind", name, name]
    return args


class BubblewrapBackend:
    name = "bubblewrap"
    safe = True

    def __init__(self, python: str, student_env: str) -> None:
        bwrap = shutil.which("bwrap")
        if not bwrap:
            raise SandboxUnavailable(
                "bubblewrap is not installed (Debian package 'bubblewrap'); "
                "install it, or set GRADER_SANDBOX=process on a machine that grades trusted code only"
            )
        self.bwrap: str = bwrap
        self.python = python
        self.student_env = student_env
        self.seccomp = os.path.join(student_env, SECCOMP_FILE)
        if not os.path.exists(self.seccomp):
            log.warning(
                "no seccomp filter at %s (run 'make setup'): sandboxing without it", self.seccomp
            )

    def open_fds(self, job_dir: str) -> dict[str, int]:
        flags = os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC
        fds = {"job_fd": os.open(job_dir, flags), "env_fd": os.open(self.student_env, flags)}
        if os.path.exists(self.seccomp):
            fds["seccomp_fd"] = os.open(self.seccomp, os.O_RDONLY | os.O_CLOEXEC)
        return fds

    def command(
        self, job_dir: str, limits: Limits, results_fd: int, fds: dict[str, int], preload: str = ""
    ) -> tuple[list[str], dict, str | None]:
        """Directories are bound from open fds (``fds``), so the unprivileged uid that
        runs bwrap needs no access to their host paths; the harness closes them."""
        argv = [
            self.bwrap,
            "--unshare-all",
            "--unshare-user",
            "--die-with-parent",
            "--new-session",
            "--disable-userns",
            # the harness is pid 1: no process of bwrap's inside the sandbox (it would be
            # outside the limits the harness sets), and the run ends when the harness does.
            # pid 1 never runs student code: it forks a worker for that (harness.supervise)
            "--as-pid-1",
            "--hostname",
            "sandbox",
            *_system_dirs(),
            "--proc",
            "/proc",
            # every writable mount is a size-bounded tmpfs; /dev itself is read-only
            "--dev",
            "/dev",
            "--size",
            str(limits.shm_mb * 1024 * 1024),
            "--tmpfs",
            "/dev/shm",
            "--remount-ro",
            "/dev",
            "--size",
            str(limits.tmp_mb * 1024 * 1024),
            "--tmpfs",
            "/tmp",
            "--ro-bind-fd",
            str(fds["job_fd"]),
            JOB_DIR,
            "--ro-bind-fd",
            str(fds["env_fd"]),
            ENV_DIR,
            "--remount-ro",
            "/",
            "--chdir",
            "/tmp",
            "--clearenv",
        ]
        if "seccomp_fd" in fds:
            argv += ["--seccomp", str(fds["seccomp_fd"])]
        for key, value in CHILD_ENV.items():
            argv += ["--setenv", key, value]
        argv += [
            "--",
            self.python,
            "-I",
            "-S",
            "-B",
            f"{JOB_DIR}/harness.py",
            ENV_DIR,
            str(results_fd),
            preload,
        ]
        # bwrap itself starts with an empty environment: its pid 1 keeps the one it
        # was given, readable as /proc/1/environ from inside.
        return argv, {}, None


class ProcessBackend:
    """No isolation but rlimits and a clean environment: for trusted code only."""

    name = "process"
    safe = False
    warning = (
        "GRADER_SANDBOX=process: submissions run WITHOUT isolation (they can read files "
        "and reach the network). Do not use it for untrusted code; install bubblewrap."
    )

    def __init__(self, python: str, student_env: str) -> None:
        self.python = python
        self.student_env = student_env

    def open_fds(self, job_dir: str) -> dict[str, int]:
        return {}

    def command(
        self, job_dir: str, limits: Limits, results_fd: int, fds: dict[str, int], preload: str = ""
    ) -> tuple[list[str], dict, str | None]:
        env = dict(CHILD_ENV, MPLCONFIGDIR=os.path.join(job_dir, "tmp", "matplotlib"))
        env["HOME"] = os.path.join(job_dir, "tmp")
        argv = [
            self.python,
            "-I",
            "-S",
            "-B",
            os.path.join(job_dir, "harness.py"),
            self.student_env,
            str(results_fd),
            preload,
        ]
        return argv, env, os.path.join(job_dir, "tmp")


def default_python() -> str:
    return os.environ.get("GRADER_SANDBOX_PYTHON") or (
        "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    )


def default_student_env() -> str:
    configured = os.environ.get("GRADER_SANDBOX_ENV")
    if configured:
        return configured
    return str(Path(__file__).resolve().parents[2] / ".sandbox-env")


def make_backend(name: str | None = None):
    name = name or os.environ.get("GRADER_SANDBOX", "bubblewrap")
    python, env = default_python(), default_student_env()
    if not os.path.isdir(env):
        raise SandboxUnavailable(
            f"the student environment {env} is missing: run 'make setup' "
            "(or point GRADER_SANDBOX_ENV at a folder with numpy, matplotlib and scikit-learn)"
        )
    if name == "bubblewrap":
        try:
            env = sandbox_readable_env(env)
        except OSError as exc:
            raise SandboxUnavailable(
                f"the sandbox's user cannot read the student environment {env}: {exc}"
            ) from exc
        return BubblewrapBackend(python, env)
    if name == "process":
        log.warning(ProcessBackend.warning)
        return ProcessBackend(python, env)
    raise SandboxUnavailable(f"unknown sandbox backend {name!r} (use 'bubblewrap' or 'process')")
