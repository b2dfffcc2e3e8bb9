"""Shared by the content-store tests: the independent CID reference (Debian's Rust ``ipfs_cid``), a failing stream."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

ReferenceCids = Callable[[Path], tuple[str, str]]


class FailingStream:
    """A stream that breaks after ``limit`` bytes, like a dropped upload."""

    def __init__(self, data: bytes, limit: int) -> None:
        self._source = io.BytesIO(data[:limit])

    def readinto(self, buffer: memoryview, /) -> int:
        count = self._source.readinto(buffer)
        if count == 0:
            raise OSError("connection reset by peer")
        return count


@pytest.fixture(scope="session")
def ipfs_cid() -> ReferenceCids:
    """(CIDv0, CIDv1) that ``ipfs add`` gives the file, per ``ipfs_cid FILE`` (installed by make install)."""
    tool = shutil.which("ipfs_cid")
    if tool is None:
        pytest.fail("ipfs_cid is not installed: `make install` installs Debian's package ipfs-cid")

    def reference(path: Path) -> tuple[str, str]:
        completed = subprocess.run([tool, str(path)], capture_output=True, text=True, check=True)
        answer = json.loads(completed.stdout)
        return answer["CIDv0"], answer["CIDv1"]

    return reference
