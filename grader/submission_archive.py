"""Every submission of a release as one zip file, for an instructor to read offline or
run a similarity check on: a folder per student with each attempt's file, and a
``submissions.csv`` manifest (one row per attempt: id, student, time, status, raw and
counted score, late). Names inside are built from logins and file names, which come
from people, so they are cleaned: nothing can point outside the archive. No Flask."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from werkzeug.utils import secure_filename

from grader.courses import Release
from grader.gradebook import csv_safe, number
from grader.models import Submission
from grader.storage import BlobStore

MANIFEST = "submissions.csv"
MANIFEST_COLUMNS = (
    "submission",
    "student",
    "submitted_at",
    "status",
    "score",
    "counted_score",
    "max_score",
    "late",
    "file",
)


def archive_name(release: Release) -> str:
    return f"{release.course.slug}-{release.assignment.slug}-submissions.zip"


def write_archive(session: Session, store: BlobStore, release: Release, out: IO[bytes]) -> int:
    """Write the zip to ``out``; returns the number of attempts in it. A file missing
    from the store is listed in the manifest with an empty ``file``."""
    subs = session.scalars(
        select(Submission)
        .where(Submission.release_id == release.id)
        .options(selectinload(Submission.user))
        .order_by(Submission.created_at)
    ).all()
    manifest = io.StringIO()
    writer = csv.writer(manifest, lineterminator="\n")
    writer.writerow(MANIFEST_COLUMNS)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for sub in subs:
            login = sub.user.login if sub.user else "anonymous"
            # the user id keeps apart logins that clean to one name ("José", "Jose")
            folder = f"{secure_filename(login) or 'user'}-{sub.user_id or 0}"
            stamp = sub.created_at.strftime("%Y%m%dT%H%M%SZ")
            name = f"{folder}/{stamp}-{sub.id[:8]}-{secure_filename(sub.filename) or 'file'}"
            if store.exists(sub.blob_sha256):
                archive.writestr(name, store.get(sub.blob_sha256))
            else:
                name = ""
            writer.writerow(
                [
                    sub.id,
                    csv_safe(login),
                    sub.created_at.isoformat(),
                    sub.status,
                    number(sub.score),
                    number(sub.counted_score),
                    number(sub.max_score),
                    "late" if sub.late else "",
                    csv_safe(name),
                ]
            )
        archive.writestr(MANIFEST, manifest.getvalue())
    return len(subs)
