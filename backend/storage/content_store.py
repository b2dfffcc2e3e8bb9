"""The content-store interface the platform codes against, and the choice of implementation.

Embedded default: ``LocalContentStore`` in ``<data dir>/ipfs`` (data dir ``PROVENANT_DATA_DIR``, default
``.data``). With ``PROVENANT_IPFS_API`` set (a kubo RPC API URL such as ``http://127.0.0.1:5001``):
``KuboContentStore``. Both give the CIDs ``ipfs add`` gives with its defaults.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

from backend.storage.cid import Cid
from backend.storage.kubo import KuboContentStore
from backend.storage.local import LocalContentStore
from backend.storage.unixfs import ReadableStream

DEFAULT_DATA_DIR = Path(".data")


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


def content_store_from_env() -> ContentStore:
    api_url = _setting("PROVENANT_IPFS_API")
    if api_url:
        return KuboContentStore(api_url=api_url)
    data_dir = Path(_setting("PROVENANT_DATA_DIR") or DEFAULT_DATA_DIR)
    return LocalContentStore(root=data_dir / "ipfs")


def _setting(name: str) -> str | None:
    # The one read of the environment here, until the settings module (backend/core) takes it over.
    return os.environ.get(name) or None
