"""Atomic file writes: a reader sees the old file or the new one, never half of one.

The data goes to a temporary file in the same folder, is flushed to disk, and the temporary
file is renamed over the target: a crash (even SIGKILL) at any moment leaves the previous file
whole. The new file gets the permissions of the one it replaces, or the usual ones for a new
file (0666 less the umask), not the private 0600 of a temporary file."""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def atomic_write_text(path: Path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


class OutputError(OSError):
    """A file that cannot be written; the message names it and says why."""


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    return atomic_write_stream(path, lambda handle: handle.write(data))


def atomic_write_stream(path: Path, write: Callable[[BinaryIO], object]) -> Path:
    """Like atomic_write_bytes, with the data written by `write(file)` as it comes, so that a
    large output need not be held whole in memory first."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{path}: cannot write: it is a folder; give a file name")
    blocking = next((p for p in path.parents if p.exists()), None)
    if blocking is not None and not blocking.is_dir():
        raise OutputError(f"{path}: cannot write: {blocking} is a file, not a folder")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return _write(path, write)
    except OSError as err:
        raise OutputError(f"{path}: cannot write: {err.strerror or err}") from err


def _write(path: Path, write: Callable[[BinaryIO], object]) -> Path:
    import tempfile  # here, not at the top: a read-only command (`kg query --store`) writes nothing

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), _mode_for(path))
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _mode_for(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
