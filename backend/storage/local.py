"""The embedded content store: kubo-compatible UnixFS DAGs kept as one file per block under a directory.

Layout: ``<root>/blocks/<xy>/<cid>`` where ``<cid>`` is the block's CIDv1 (base32) and ``xy`` its two
next-to-last characters (the last one carries few bits), so no folder holds more than ~1/1024 of the
blocks. A block is written to a temporary file in its folder, flushed to disk, then renamed over its
name: a block file is always complete or absent, never torn.

Blocks are written children first and the root last, so a stored root means its whole DAG was stored;
``has`` relies on that. Every read hashes the block again and refuses one that does not match its CID.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from backend.storage.car import write_car
from backend.storage.cid import Cid, as_cid
from backend.storage.dagpb import Bytes
from backend.storage.errors import ContentNotFoundError, CorruptBlockError
from backend.storage.unixfs import ReadableStream, build_file_dag, iter_file_content


class LocalContentStore:
    def __init__(self, *, root: Path) -> None:
        self._root = root
        self._blocks = root / "blocks"
        self._blocks.mkdir(parents=True, exist_ok=True)

    @property
    def root(self) -> Path:
        return self._root

    def put(self, *, data: bytes) -> Cid:
        return self.put_stream(stream=io.BytesIO(data))

    def put_stream(self, *, stream: ReadableStream) -> Cid:
        return build_file_dag(stream=stream, on_block=self._store_block)

    def get(self, *, cid: Cid | str) -> bytes:
        return b"".join(self.iter_content(cid=cid))

    def iter_content(self, *, cid: Cid | str) -> Iterator[bytes]:
        return iter_file_content(root=as_cid(cid), load_block=self._load_block)

    def has(self, *, cid: Cid | str) -> bool:
        return self._block_path(as_cid(cid)).is_file()

    def export_car(self, *, cid: Cid | str, out: BinaryIO) -> None:
        write_car(root=as_cid(cid), load_block=self._load_block, out=out)

    def _block_path(self, cid: Cid) -> Path:
        name = str(cid.to_v1())
        return self._blocks / name[-3:-1] / name

    def _store_block(self, cid: Cid, parts: Sequence[Bytes]) -> None:
        path = self._block_path(cid)
        # An intact copy is kept as is; a corrupted one is replaced, so putting the content again repairs it.
        if path.is_file() and cid.matches(path.read_bytes()):
            return
        path.parent.mkdir(exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with open(handle, "wb") as file:
                for part in parts:
                    file.write(part)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def _load_block(self, cid: Cid) -> bytes:
        path = self._block_path(cid)
        try:
            block = path.read_bytes()
        except FileNotFoundError:
            raise ContentNotFoundError(f"block {cid} is not in the content store at {self._root}") from None
        if not cid.matches(block):
            raise CorruptBlockError(
                f"block {cid} at {path} does not hash to its CID: the file on disk is corrupted"
                " (putting the same content again repairs it)"
            )
        return block
