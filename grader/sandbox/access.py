"""What the sandbox's unprivileged user can read of the host.

bubblewrap runs as the run's own uid (see ``slots``) and resolves every folder it
binds by its path, so that uid must be able to enter each parent of the student
environment. A checkout in a private folder (root's home on Debian is mode 0700)
breaks that. Then, when the grader runs as root, the student environment is
published once as a hard-linked (or, across file systems, copied) tree in the
temporary folder, owned by root and readable by everyone, and bound from there.

``python -m grader.sandbox.access PATH`` says whether PATH is reachable and what
to do if not (``make setup`` runs it).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import sys
import tempfile
from pathlib import Path

PREFIX = "grader-student-env-"


def blocking_parent(path: str | os.PathLike) -> Path | None:
    """The first folder on the way to ``path`` that other users cannot enter or read."""
    resolved = Path(os.path.realpath(path))
    for folder in [*reversed(resolved.parents), resolved]:
        mode = os.stat(folder).st_mode
        needed = stat.S_IXOTH | (stat.S_IROTH if folder == resolved else 0)
        if mode & needed != needed:
            return folder
    return None


def _stamp(env: Path) -> str:
    """Changes whenever ``make setup`` rebuilds the environment."""
    marker = env / ".installed"
    info = os.stat(marker if marker.exists() else env)
    text = f"{env}:{info.st_mtime_ns}:{info.st_ino}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _trusted(folder: Path) -> bool:
    """Ours: a real folder owned by root that nobody else can write to."""
    try:
        info = os.lstat(folder)
    except FileNotFoundError:
        return False
    return (
        stat.S_ISDIR(info.st_mode)
        and info.st_uid == 0
        and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    )


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:  # another file system
        shutil.copy2(src, dst)


def _publish(env: Path, target: Path) -> None:
    building = Path(tempfile.mkdtemp(prefix=PREFIX + "building-", dir=target.parent))
    try:
        shutil.copytree(env, building / "env", symlinks=True, copy_function=_link_or_copy)
        for root, _dirs, files in os.walk(building):
            os.chmod(root, 0o755)
            for name in files:
                path = os.path.join(root, name)
                if not os.path.islink(path):
                    os.chmod(path, os.stat(path).st_mode | 0o444)
        with contextlib.suppress(FileExistsError, OSError):
            os.rename(building, target)  # another process may have won the race
    finally:
        shutil.rmtree(building, ignore_errors=True)


def sandbox_readable_env(env: str) -> str:
    """``env`` itself, or a published copy the sandbox's uid can read (root only)."""
    source = Path(os.path.realpath(env))
    if os.geteuid() != 0 or blocking_parent(source) is None:
        return env
    target = Path(tempfile.gettempdir()) / f"{PREFIX}{_stamp(source)}"
    if not _trusted(target):
        if target.exists() or target.is_symlink():
            raise PermissionError(f"{target} exists but is not a root-owned, private folder")
        _publish(source, target)
        if not _trusted(target):
            raise PermissionError(f"could not publish the student environment at {target}")
    return str(target / "env")


def advice(env: str) -> str | None:
    """None when the sandbox can read ``env`` where it is; else what happens and what to do."""
    parent = blocking_parent(env)
    if parent is None:
        return None
    mode = stat.S_IMODE(os.stat(parent).st_mode)
    return (
        f"note: {parent} (mode {mode:o}) keeps other users out, so the sandbox's unprivileged "
        f"user cannot read the student environment at {env}. Grading as root still works: "
        f"the grader publishes a hard-linked copy in {tempfile.gettempdir()} once. To avoid it, "
        f"let others enter the folder (chmod o+x {parent}) or set GRADER_SANDBOX_ENV to a "
        "folder everyone can read. Grading as another user needs that user to read it."
    )


if __name__ == "__main__":
    message = advice(sys.argv[1])
    if message:
        print(message)
