"""The balanced-layout builder and the DAG reader, on streams and on hand-made DAGs held in a dict."""

from __future__ import annotations

import hashlib
import io
import random
from collections.abc import Sequence
from pathlib import Path

import pytest

from backend.storage.cid import DAG_PB, Cid
from backend.storage.dagpb import Bytes, ChildLink, decode_node, encode_file_node, encode_leaf_frame
from backend.storage.errors import InvalidDagError, UnsupportedContentError
from backend.storage.unixfs import (
    CHUNK_SIZE,
    MAX_LINKS,
    FileDagBuilder,
    build_file_dag,
    iter_file_content,
    read_chunks,
)
from tests.backend.storage.conftest import ReferenceCids


class TrickleStream:
    """A stream that returns at most a few bytes per read, as a pipe or socket may."""

    def __init__(self, data: bytes, step: int) -> None:
        self._source = io.BytesIO(data)
        self._step = step

    def readinto(self, buffer: memoryview, /) -> int:
        return self._source.readinto(buffer[: self._step])


def collect_blocks(data: bytes) -> tuple[Cid, dict[Cid, bytes], list[Cid]]:
    blocks: dict[Cid, bytes] = {}
    order: list[Cid] = []

    def keep(cid: Cid, parts: Sequence[Bytes]) -> None:
        blocks[cid] = b"".join(bytes(part) for part in parts)
        order.append(cid)

    root = build_file_dag(stream=io.BytesIO(data), on_block=keep)
    return root, blocks, order


def leaf(data: bytes) -> tuple[Cid, bytes]:
    prefix, suffix = encode_leaf_frame(len(data))
    block = prefix + data + suffix
    return Cid(0, DAG_PB, hashlib.sha256(block).digest()), block


def test_read_chunks_short_reads_still_split_every_chunk_size() -> None:
    data = random.Random(1).randbytes(2 * CHUNK_SIZE + 5)
    sizes = [len(chunk) for chunk in read_chunks(TrickleStream(data, 10_000))]
    assert sizes == [CHUNK_SIZE, CHUNK_SIZE, 5]


def test_build_file_dag_trickling_stream_matches_ipfs_cid(tmp_path: Path, ipfs_cid: ReferenceCids) -> None:
    data = random.Random(2).randbytes(3 * CHUNK_SIZE + 12_345)
    path = tmp_path / "file"
    path.write_bytes(data)
    assert str(build_file_dag(stream=TrickleStream(data, 4093))) == ipfs_cid(path)[0]


def test_build_file_dag_emits_children_before_parents_root_last() -> None:
    root, blocks, order = collect_blocks(random.Random(3).randbytes((MAX_LINKS + 2) * CHUNK_SIZE))
    assert order[-1] == root
    assert len(order) == len(blocks) == MAX_LINKS + 2 + 2 + 1  # leaves, two level-1 nodes, the root
    position = {cid: index for index, cid in enumerate(order)}
    for cid, block in blocks.items():
        assert all(position[child] < position[cid] for child in decode_node(block).links)


def test_file_dag_builder_chunk_after_short_chunk_raises() -> None:
    builder = FileDagBuilder()
    builder.add_chunk(b"short")
    with pytest.raises(ValueError, match="except the last"):
        builder.add_chunk(bytes(CHUNK_SIZE))


@pytest.mark.parametrize("chunk", [bytes(CHUNK_SIZE + 1), b""], ids=["oversized", "empty-after-data"])
def test_file_dag_builder_bad_chunk_raises(chunk: bytes) -> None:
    builder = FileDagBuilder()
    builder.add_chunk(bytes(CHUNK_SIZE))
    with pytest.raises(ValueError, match="except the last"):
        builder.add_chunk(chunk)


def test_iter_file_content_streams_one_chunk_at_a_time() -> None:
    data = random.Random(4).randbytes(5 * CHUNK_SIZE + 1)
    root, blocks, _ = collect_blocks(data)
    pieces = list(iter_file_content(root=root, load_block=blocks.__getitem__))
    assert b"".join(pieces) == data
    assert [len(piece) for piece in pieces] == [CHUNK_SIZE] * 5 + [1]


def test_iter_file_content_directory_raises_unsupported() -> None:
    directory = bytes.fromhex("0a020801")  # PBNode{Data: UnixFS{Type: Directory}}
    cid = Cid(0, DAG_PB, hashlib.sha256(directory).digest())
    with pytest.raises(UnsupportedContentError, match="UnixFS directory, not a file"):
        list(iter_file_content(root=cid, load_block={cid: directory}.__getitem__))


def test_iter_file_content_raw_codec_root_raises_unsupported() -> None:
    with pytest.raises(UnsupportedContentError, match="not dag-pb"):
        list(iter_file_content(root=Cid(1, 0x55, bytes(32)), load_block={}.__getitem__))


def test_iter_file_content_node_without_data_raises_invalid_dag() -> None:
    empty_node = b""
    cid = Cid(0, DAG_PB, hashlib.sha256(empty_node).digest())
    with pytest.raises(InvalidDagError, match="without UnixFS Data"):
        list(iter_file_content(root=cid, load_block={cid: empty_node}.__getitem__))


@pytest.mark.parametrize(
    ("claimed_blocksize", "message"),
    [(5, "sizes disagree"), (None, "1 links but 0 blocksizes")],
    ids=["wrong-blocksize", "missing-blocksize"],
)
def test_iter_file_content_inconsistent_sizes_raise_invalid_dag(
    claimed_blocksize: int | None, message: str
) -> None:
    child, child_block = leaf(b"four")
    if claimed_blocksize is None:
        # One link (Hash, Name "", Tsize), then UnixFS Data with only Type=File.
        link = b"\x0a\x22" + child.multihash + b"\x12\x00\x18" + bytes((len(child_block),))
        node = b"\x12" + bytes((len(link),)) + link + bytes.fromhex("0a020802")
    else:
        node = encode_file_node([ChildLink(child, len(child_block), claimed_blocksize)])
    root = Cid(0, DAG_PB, hashlib.sha256(node).digest())
    blocks = {root: node, child: child_block}
    with pytest.raises(InvalidDagError, match=message):
        list(iter_file_content(root=root, load_block=blocks.__getitem__))
