"""The local stack's S3 object bodies on disk behave as the file moto expects, and hold no descriptor."""

from __future__ import annotations

import gc
from pathlib import Path

from service.local.retention import DiskBuffer


def _open_descriptors() -> int:
    return sum(1 for _ in Path("/proc/self/fd").iterdir())


def test_a_body_reads_back_what_was_written_and_its_file_goes_with_it() -> None:
    before = _open_descriptors()
    buffers = [DiskBuffer(1024) for _ in range(50)]
    for i, buffer in enumerate(buffers):
        buffer.write(b"x" * i + b"end")
    assert _open_descriptors() == before  # none held open per object
    body = buffers[7]
    body.seek(0)
    assert body.read() == b"x" * 7 + b"end"
    body.seek(2)
    assert body.read(3) == b"xxx" and body.tell() == 5
    body.seek(0)
    body.truncate()
    body.write(b"new")
    body.seek(0)
    assert body.read() == b"new"
    path = body._path
    body.close()
    assert body.closed and not path.exists()
    other = buffers[8]._path
    del buffers, body
    gc.collect()
    assert not other.exists()  # a collected key's body is deleted
