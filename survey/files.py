"""Files that hold personal data or secrets are created readable by their owner only (0600, folders 0700), whatever
the process's umask: the SQLite database, ``instance/secrets.json`` and export files.

Creating them so from the start matters: a file written with the usual 0644 and narrowed afterwards can be opened by
another local account in between, and an open descriptor keeps reading whatever is written later.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: str | os.PathLike) -> Path:
    """``path`` as a folder, created 0700 if missing (its parents as usual)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.mkdir(mode=DIR_MODE, exist_ok=True)
    return path


def open_private(path: str | os.PathLike) -> IO[bytes]:
    """``path`` opened for writing in binary, created 0600 if it does not exist (emptied if it does)."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE), "wb")


def create_private(path: str | os.PathLike) -> None:
    """An empty file at ``path``, 0600, unless one is there already (whose mode is left alone)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        pass


def write_private(path: str | os.PathLike, data: bytes) -> None:
    """Replace ``path`` with ``data`` at once: written to a 0600 file beside it, then renamed over it (a crash
    midway leaves the old file, never half a new one)."""
    path = Path(path)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE), "wb") as stream:
        stream.write(data)
    os.replace(partial, path)
