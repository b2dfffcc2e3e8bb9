"""The content-store interface the platform codes against, and the choice of implementation.

Embedded default: ``LocalContentStore`` in ``<data dir>/ipfs``. With the settings' ``ipfs_api`` (env
``PROVENANT_IPFS_API``, a kubo RPC API URL such as ``http://127.0.0.1:5001``): ``KuboContentStore``. Both give the CIDs ``ipfs add`` gives with its defaults.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

from backend.storage.cid import Cid
from backend.storage.kubo import KuboContentStore
from backend.storage.local import LocalContentStore
from backend.storage.unixfs import ReadableStream


class ContentStore(Protocol):
    """Files stored as kubo-compatible UnixFS DAGs, addressed by CID.

    ``put``/``put_stream`` return the CIDv0 ``ipfs add`` would print (``.to_v1()`` for the ``bafy…`` form).
    Reads check every block against its CID and raise ``CorruptBlockError`` rather than return altered
    bytes; ``iter_content`` streams the file a chunk at a time. CIDs may be given as ``Cid`` or text.
    """

    def put(self, *, data: bytes) -> Cid: ...

    def put_stream(self, *, stream: ReadableStream) -> Cid: ...

    def get(self, *, cid: Cid | str) -> bytes: ...

    def iter_content(self, *, cid: Cid | str) -> Iterator[bytes]: ...

    def has(self, *, cid: Cid | str) -> bool: ...

    def export_car(self, *, cid: Cid | str, out: BinaryIO) -> None: ...


def content_store(*, data_dir: Path, ipfs_api: str | None) -> ContentStore:
    """A kubo node's store when ``ipfs_api`` is set, else the local block store in ``data_dir/ipfs``."""
    if ipfs_api:
        return KuboContentStore(api_url=ipfs_api)
    return LocalContentStore(root=data_dir / "ipfs")
