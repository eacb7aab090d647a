"""An append-only journal file with group commit.

Each record is framed as length, CRC-32, payload. A record is durable once `wait_durable` returns for its
sequence number: one `fsync` covers every record written before it started, so requests that arrive together
share one (a burst of N uploads costs far fewer than N fsyncs). A crash can leave a torn last frame; `read`
stops at the first frame that is short or fails its checksum, and `open` cuts the file there, so nothing after
a torn frame (which no client was ever told about) is replayed.
"""

from __future__ import annotations

import os
import pickle
import struct
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_FRAME = struct.Struct(">II")


def _frames(path: Path) -> Iterator[tuple[int, bytes]]:
    """(end offset, payload) of each whole, intact frame from the start, read as a stream (a journal holds the
    uploads' bytes: it may be far larger than memory should hold at once)."""
    if not path.exists():
        return
    offset = 0
    with path.open("rb") as file:
        while True:
            header = file.read(_FRAME.size)
            if len(header) < _FRAME.size:
                return
            length, crc = _FRAME.unpack(header)
            payload = file.read(length)
            if len(payload) < length or zlib.crc32(payload) != crc:
                return
            offset += _FRAME.size + length
            yield offset, payload


def read(path: Path) -> Iterator[Any]:
    """The journal's records in order, up to the first torn or corrupt frame."""
    for _, payload in _frames(path):
        yield pickle.loads(payload)


def intact_length(path: Path) -> int:
    end = 0
    for end, _ in _frames(path):  # noqa: B007  # the last frame's end is wanted
        pass
    return end


def write_all(path: Path, records: Iterator[Any]) -> int:
    """Writes a whole journal to `path` (fsynced, then renamed into place); returns how many records. Until the
    rename, whatever was at `path` stays whole: a crash or an error on the way leaves it authoritative (and a
    `.partial` file that the next write or `Journal` removes)."""
    partial = path.with_suffix(".partial")
    count = 0
    try:
        # Owner-only, as the journal it replaces: it holds what the local Cognito keeps (passwords).
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
            for record in records:
                payload = pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)
                out.write(_FRAME.pack(len(payload), zlib.crc32(payload)) + payload)
                count += 1
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(path)
    _sync_directory(path.parent)
    return count


def _sync_directory(path: Path) -> None:
    """Makes a rename or a new file in `path` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Journal:
    """Appends records to a journal file; `append` then `wait_durable` is the write-ahead rule."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # What a compaction cut short left: never authoritative (the rename makes a compaction count).
        path.with_suffix(".partial").unlink(missing_ok=True)
        existed = path.exists()
        # Cut a torn tail first: appending after it would hide every later record from `read`.
        if existed:
            with path.open("r+b") as file:
                file.truncate(intact_length(path))
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        if not existed:
            _sync_directory(path.parent)
        self._cond = threading.Condition()
        self._written = 0
        self._durable = 0
        self._syncing = False
        #: fsyncs done, and records they covered (the group-commit ratio shows in `scones status`).
        self.syncs = 0
        self.records = 0

    def append(self, record: Any) -> int:
        """Writes a record (not yet durable); returns its sequence number. Callers append in the order their
        changes were applied."""
        payload = pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)
        frame = _FRAME.pack(len(payload), zlib.crc32(payload)) + payload
        with self._cond:
            os.write(self._fd, frame)
            self._written += 1
            self.records += 1
            return self._written

    def wait_durable(self, sequence: int) -> None:
        """Returns once record `sequence` is on disk: the first waiter fsyncs for everyone waiting."""
        with self._cond:
            while self._durable < sequence:
                if self._syncing:
                    self._cond.wait()
                    continue
                self._syncing = True
                target = self._written
                self._cond.release()
                try:
                    os.fsync(self._fd)
                finally:
                    self._cond.acquire()
                    self._syncing = False
                self._durable = max(self._durable, target)
                self.syncs += 1
                self._cond.notify_all()

    def replace(self, records: Iterator[Any]) -> int:
        """Compaction: the file becomes `records` (a snapshot of everything appended so far), written beside it and
        renamed over it; appending goes on in the new file. The caller keeps appends from happening meanwhile.
        Returns how many records the new file holds."""
        with self._cond:
            while self._syncing:
                self._cond.wait()
            count = write_all(self.path, records)
            old, self._fd = self._fd, os.open(self.path, os.O_WRONLY | os.O_APPEND, 0o600)
            os.close(old)
            # The snapshot holds every change written so far, and it is on disk.
            self._durable = self._written
            self._cond.notify_all()
            return count

    def size(self) -> int:
        return os.fstat(self._fd).st_size

    def close(self) -> None:
        with self._cond:
            os.fsync(self._fd)
            os.close(self._fd)
