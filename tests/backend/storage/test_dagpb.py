"""The hand-written dag-pb / UnixFS protobuf code against blocks whose CIDs kubo is known to give."""

from __future__ import annotations

import hashlib

import pytest

from backend.storage.cid import DAG_PB, Cid
from backend.storage.dagpb import (
    UNIXFS_FILE,
    ChildLink,
    decode_node,
    decode_unixfs,
    encode_file_node,
    encode_leaf_frame,
    require_dag_pb,
)
from backend.storage.errors import InvalidDagError, UnsupportedContentError

# CIDs `ipfs add` gives: an empty file and `hello world\n` (both single leaves).
EMPTY_FILE_V0 = "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"
HELLO_V0 = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"


def v0_of(block: bytes) -> str:
    return str(Cid(0, DAG_PB, hashlib.sha256(block).digest()))


def test_encode_leaf_frame_hello_world_gives_kubo_cid() -> None:
    prefix, suffix = encode_leaf_frame(12)
    assert v0_of(prefix + b"hello world\n" + suffix) == HELLO_V0


def test_encode_leaf_frame_empty_file_omits_data_field() -> None:
    prefix, suffix = encode_leaf_frame(0)
    assert (prefix + suffix).hex() == "0a0408021800"
    assert v0_of(prefix + suffix) == EMPTY_FILE_V0


def test_encode_file_node_decodes_back_to_links_and_sizes() -> None:
    children = [
        ChildLink(Cid.parse(HELLO_V0), 20, 12),
        ChildLink(Cid.parse(EMPTY_FILE_V0), 6, 0),
        ChildLink(Cid.parse(HELLO_V0), 300, 2**40),
    ]
    node = decode_node(encode_file_node(children))
    assert node.links == [child.cid for child in children]
    assert node.data is not None
    unixfs = decode_unixfs(node.data)
    assert (unixfs.type, bytes(unixfs.data), unixfs.filesize) == (UNIXFS_FILE, b"", 12 + 2**40)
    assert unixfs.blocksizes == [12, 0, 2**40]


def test_encode_file_node_writes_links_before_data_with_empty_names() -> None:
    block = encode_file_node([ChildLink(Cid.parse(HELLO_V0), 20, 12)])
    link = "0a22" + Cid.parse(HELLO_V0).multihash.hex() + "1200" + "1814"
    assert block.hex() == "1228" + link + "0a06" + "0802180c200c"


def test_decode_unixfs_skips_metadata_fields() -> None:
    # Type=File, Data="ab", filesize=2, then mode (field 7) and mtime (field 8), which carry no file bytes.
    unixfs = decode_unixfs(bytes.fromhex("0802120261621802") + bytes.fromhex("38a4034202080a"))
    assert (unixfs.type, bytes(unixfs.data), unixfs.filesize) == (UNIXFS_FILE, b"ab", 2)


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ("0a05080212", "runs past the end"),  # Data claims 5 bytes, has 3
        ("0a", "truncated varint"),
        ("0d00000000", "wire type 5"),  # fixed32 field
        ("1a00", "unknown field"),  # field 3 is not in PBNode
        ("12021800", "without a Hash"),
        ("12040a021220", "bad CID"),
        ("12023000", "unknown field"),  # link field 6
    ],
)
def test_decode_node_malformed_block_raises_invalid_dag(block: str, message: str) -> None:
    with pytest.raises(InvalidDagError, match=message):
        decode_node(bytes.fromhex(block))


def test_decode_unixfs_without_type_raises_invalid_dag() -> None:
    with pytest.raises(InvalidDagError, match="no Type"):
        decode_unixfs(bytes.fromhex("1800"))


def test_require_dag_pb_raw_codec_raises_unsupported() -> None:
    with pytest.raises(UnsupportedContentError, match="not dag-pb"):
        require_dag_pb(Cid(1, 0x55, bytes(32)))
