"""Where finished exports wait for their download, so that every app server can send them.

On PostgreSQL a finished file is kept in the database as a large object (``export_jobs.file_oid``): copied in from
the file the job wrote, in chunks, in the same transaction that marks the job done; sent out in chunks (never whole
in memory); removed when it expires, and by a trigger when its row is deleted. App servers and workers then share
nothing but PostgreSQL and Redis: no shared file system. ``EXPORT_DIR`` is only where a job writes its file first.

On SQLite (one machine) the file stays in ``EXPORT_DIR`` (``export_jobs.file_path``).

Files on disk are created readable by their owner only (``survey.files``).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from flask import Flask, current_app

from ..extensions import db
from ..files import private_dir
from ..models import ExportJob

CHUNK = 1024 * 1024  # bytes per statement, in and out
READ = sa.text("SELECT lo_get(CAST(:oid AS oid), :offset, :length)")
UNLINK = sa.text("SELECT lo_unlink(oid) FROM pg_largeobject_metadata WHERE oid = CAST(:oid AS oid)")  # if still there


def export_dir(app: Flask) -> Path:
    return private_dir(app.config.get("EXPORT_DIR") or Path(app.instance_path) / "exports")


def in_database() -> bool:
    """Whether finished files are kept in the database (PostgreSQL) rather than in EXPORT_DIR."""
    return db.engine.dialect.name == "postgresql"


def work_file(job_id: int, name: str) -> Path:
    """Where job ``job_id`` writes its file (the export creates it readable by its owner only)."""
    return export_dir(current_app) / f"{job_id}-{name}"


def keep(path: Path) -> dict[str, Any]:
    """The job's columns that say where its finished file ``path`` is kept. On PostgreSQL the file is copied into a
    new large object inside the session's transaction: the caller commits it with the job's row, then removes
    ``path`` (``discard_work_file``)."""
    size = path.stat().st_size
    if not in_database():
        return {"file_path": str(path), "file_oid": None, "file_size": size}
    oid = db.session.scalar(sa.text("SELECT lo_create(0)"))
    offset = 0
    with open(path, "rb") as stream:
        while chunk := stream.read(CHUNK):
            db.session.execute(sa.text("SELECT lo_put(CAST(:oid AS oid), :offset, :data)"),
                               {"oid": oid, "offset": offset, "data": chunk})
            offset += len(chunk)
    return {"file_path": None, "file_oid": oid, "file_size": offset}


def discard_work_file(path: Path) -> None:
    """Remove the job's own file once the database holds it (PostgreSQL); on SQLite it is the kept file."""
    if in_database():
        path.unlink(missing_ok=True)


def exists(job: ExportJob) -> bool:
    if job.file_oid is not None:
        return db.session.scalar(sa.text("SELECT 1 FROM pg_largeobject_metadata WHERE oid = CAST(:oid AS oid)"),
                                 {"oid": job.file_oid}) is not None
    return job.file_path is not None and Path(job.file_path).exists()


def open_file(job: ExportJob) -> tuple[IO[bytes], int | None]:
    """The finished file for reading, and its size when known."""
    if job.file_oid is not None:
        return LargeObjectReader(db.engine, job.file_oid, job.file_size or 0), job.file_size
    return open(job.file_path, "rb"), os.stat(job.file_path).st_size


class LargeObjectReader:
    """A large object read in chunks over a connection of its own (the request's session may be gone by the time
    the last chunk is sent). One REPEATABLE READ transaction: a purge that runs meanwhile does not cut the file."""

    def __init__(self, engine: sa.Engine, oid: int, size: int):
        self.oid, self.size, self.offset = oid, size, 0
        self.connection = engine.connect().execution_options(isolation_level="REPEATABLE READ")
        self.connection.begin()

    def read(self, length: int = -1) -> bytes:
        """Up to ``length`` bytes (all that is left when negative), fetched ``CHUNK`` bytes per statement."""
        left = self.size - self.offset
        length = left if length is None or length < 0 else min(length, left)
        parts = []
        while length > 0:
            data = self.connection.scalar(READ, {"oid": self.oid, "offset": self.offset, "length": min(length, CHUNK)})
            if not data:
                break
            parts.append(bytes(data))
            self.offset += len(data)
            length -= len(data)
        return b"".join(parts)

    def close(self) -> None:
        if not self.connection.closed:
            self.connection.rollback()
            self.connection.close()


def purge(now: dt.datetime, keep_for: dt.timedelta) -> int:
    """Remove the files of jobs whose time has passed (the rows stay); returns how many. Large objects are unlinked
    in a transaction of their own: this is housekeeping beside whatever the caller is doing, not part of it.
    On PostgreSQL, work files older than ``keep_for`` (left by a job whose process was killed) go too."""
    removed = 0
    for path in db.session.scalars(sa.select(ExportJob.file_path).where(ExportJob.expires_at < now,
                                                                       ExportJob.file_path.is_not(None))):
        file = Path(path)
        if file.exists():
            file.unlink()
            removed += 1
    if not in_database():
        return removed
    with db.engine.begin() as connection:
        expired = connection.execute(sa.select(ExportJob.id, ExportJob.file_oid).where(
            ExportJob.expires_at < now, ExportJob.file_oid.is_not(None)).with_for_update(skip_locked=True)).all()
        for job_id, oid in expired:
            connection.execute(UNLINK, {"oid": oid})
            connection.execute(sa.update(ExportJob).where(ExportJob.id == job_id).values(file_oid=None))
        removed += len(expired)
    for leftover in export_dir(current_app).iterdir():
        if leftover.is_file() and leftover.stat().st_mtime < (now - keep_for).timestamp():
            leftover.unlink(missing_ok=True)
    return removed
