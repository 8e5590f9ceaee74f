"""Content-addressed file store for uploads: a file is kept once under its SHA-256,
so a submission can be regraded and downloaded, and a resubmitted identical
file costs nothing."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
#: stored files: the owner writes, the group reads (web and workers may be different users
#: of one group), nobody else
SHARED_FILE_MODE = 0o640


class BlobStore:
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if not _SHA256.match(sha256):
            raise ValueError(f"not a sha256 digest: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        """Store ``data`` (atomically: a crash never leaves a partial blob) and return its digest."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if target.is_file():
            try:
                os.utime(target)  # in use again: young for the garbage collector
                return digest
            except FileNotFoundError:
                pass  # collected just now: write it again
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            # readable by the group too: web and workers may run as different users of one
            # group (the container image gives each container a user of its own)
            os.fchmod(fd, SHARED_FILE_MODE)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def get(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def files(self) -> Iterator[tuple[str | None, Path]]:
        """Every file kept here: (digest, path) for a blob, (None, path) for the leftover
        temporary file of a write that was interrupted."""
        if not self.root.is_dir():
            return
        for folder in sorted(self.root.iterdir()):
            if not folder.is_dir() or len(folder.name) != 2:
                continue
            for path in sorted(folder.iterdir()):
                if path.name.startswith(".tmp-"):
                    yield None, path
                elif _SHA256.match(path.name) and path.name.startswith(folder.name):
                    yield path.name, path
