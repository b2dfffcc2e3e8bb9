"""A kubo node as the content store, through its RPC API (``/api/v0``) with ``ipfshttpclient``.

The plain ``ipfshttpclient.Client`` is used: its ``connect()`` refuses kubo versions past 0.7, the
client itself talks to current ones. Uploads ask for kubo's classic defaults explicitly, so a node whose
``Import`` config says otherwise still lays the file out as ``LocalContentStore`` does; the CID is also
computed here while the bytes stream out, and a different answer from kubo is refused. Reads fetch block
by block and hash each one here, so a faulty node cannot hand back altered content. Requests are
``offline``: the store serves what this node holds instead of waiting on the network for what it lacks.
"""

from __future__ import annotations

import io
import ipaddress
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

import ipfshttpclient

from backend.storage.car import write_car
from backend.storage.cid import Cid, as_cid
from backend.storage.errors import (
    CidMismatchError,
    ContentNotFoundError,
    ContentStoreError,
    CorruptBlockError,
    InvalidCidError,
)
from backend.storage.unixfs import (
    CHUNK_SIZE,
    FileDagBuilder,
    ReadableStream,
    iter_file_content,
    read_chunks,
)

# What ``ipfs add`` does with no flags and no Import config; LocalContentStore computes the same DAG.
KUBO_ADD_OPTIONS = {
    "cid-version": "0",
    "raw-leaves": "false",
    "chunker": f"size-{CHUNK_SIZE}",
    "trickle": "false",
    "hash": "sha2-256",
    "pin": "true",
}
DEFAULT_TIMEOUT_SECONDS = 120.0


class KuboContentStore:
    def __init__(self, *, api_url: str, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        address, base = _client_address(api_url)
        self._api_url = api_url
        self._client = ipfshttpclient.Client(addr=address, base=base, offline=True, timeout=timeout)

    @property
    def api_url(self) -> str:
        return self._api_url

    def put(self, *, data: bytes) -> Cid:
        return self.put_stream(stream=io.BytesIO(data))

    def put_stream(self, *, stream: ReadableStream) -> Cid:
        builder = FileDagBuilder()
        stream_failures: list[Exception] = []

        def body() -> Iterator[bytes]:
            try:
                for chunk in read_chunks(stream):
                    builder.add_chunk(chunk)
                    yield bytes(chunk)
            except Exception as error:
                stream_failures.append(error)
                raise

        try:
            with self._kubo_errors("add"):
                answer = str(self._client.add_bytes(body(), opts=KUBO_ADD_OPTIONS))
        except ContentStoreError:
            # The HTTP layer reports a failing upload stream as a broken connection: blame the stream.
            if stream_failures:
                raise stream_failures[0] from None
            raise
        expected = builder.finish()
        try:
            stored = Cid.parse(answer)
        except InvalidCidError as error:
            raise CidMismatchError(f"kubo at {self._api_url} answered the upload with {answer!r}") from error
        # Compared as CIDv1: the same DAG whichever version kubo spells its answer in.
        if stored.to_v1() != expected.to_v1():
            raise CidMismatchError(
                f"kubo at {self._api_url} stored the upload as {stored}, but the bytes sent make {expected}"
                " under kubo's default layout (the node altered them or ignored the add options);"
                f" refused, though kubo still pins {stored}"
            )
        return expected

    def get(self, *, cid: Cid | str) -> bytes:
        return b"".join(self.iter_content(cid=cid))

    def iter_content(self, *, cid: Cid | str) -> Iterator[bytes]:
        return iter_file_content(root=as_cid(cid), load_block=self._load_block)

    def has(self, *, cid: Cid | str) -> bool:
        """Whether the node pins the DAG recursively, i.e. holds all of it and keeps it."""
        text = str(as_cid(cid))
        try:
            with self._kubo_errors(f"pin/ls {text}"):
                self._client.pin.ls(text, type="recursive")
        except ContentNotFoundError:
            return False
        return True

    def export_car(self, *, cid: Cid | str, out: BinaryIO) -> None:
        write_car(root=as_cid(cid), load_block=self._load_block, out=out)

    def _load_block(self, cid: Cid) -> bytes:
        with self._kubo_errors(f"block/get {cid}"):
            block: bytes = self._client.block.get(str(cid))
        if not cid.matches(block):
            raise CorruptBlockError(f"block {cid} from kubo at {self._api_url} does not hash to its CID")
        return block

    @contextmanager
    def _kubo_errors(self, command: str) -> Iterator[None]:
        try:
            yield
        except ipfshttpclient.exceptions.ErrorResponse as error:
            # pin/ls says "not pinned" (ipfshttpclient documents it); offline, a missing block is "not found".
            if "not pinned" in str(error) or "not found" in str(error):
                raise ContentNotFoundError(f"kubo at {self._api_url}: {command}: {error}") from error
            raise ContentStoreError(f"kubo at {self._api_url} failed {command}: {error}") from error
        except ipfshttpclient.exceptions.Error as error:
            raise ContentStoreError(f"kubo at {self._api_url} failed {command}: {error}") from error


def _client_address(api_url: str) -> tuple[str, str]:
    """The multiaddr and API base path ipfshttpclient wants for ``http(s)://host:port[/api/v0]``."""
    url = urllib.parse.urlsplit(api_url)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise ValueError(f"kubo RPC API URL must be http(s)://host:port, got {api_url!r}")
    try:
        protocol = f"ip{ipaddress.ip_address(url.hostname).version}"
    except ValueError:
        protocol = "dns"
    port = url.port or (443 if url.scheme == "https" else 80)
    return f"/{protocol}/{url.hostname}/tcp/{port}/{url.scheme}", url.path.strip("/") or "api/v0"
