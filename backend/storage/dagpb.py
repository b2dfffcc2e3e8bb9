"""The two protobuf messages of a UnixFS file DAG, encoded and decoded by hand.

dag-pb ``PBNode``::

    message PBLink { optional bytes Hash = 1; optional string Name = 2; optional uint64 Tsize = 3; }
    message PBNode { repeated PBLink Links = 2; optional bytes Data = 1; }

(canonical dag-pb writes the Links *before* Data, whatever the field numbers say), and UnixFS ``Data``
carried in ``PBNode.Data``::

    message Data { required DataType Type = 1; optional bytes Data = 2; optional uint64 filesize = 3;
                   repeated uint64 blocksizes = 4; ... }   // proto2: blocksizes not packed

Only what kubo writes for a file is encoded: a leaf (Type=File, its chunk in Data, filesize) and an
internal node (links named "" with their cumulative Tsize, Type=File, filesize, one blocksize per link).
The decoder reads any dag-pb node and any UnixFS Data, so foreign DAGs get a precise error, not a crash.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple, cast

from backend.storage.cid import DAG_PB, Cid
from backend.storage.errors import InvalidCidError, InvalidDagError, UnsupportedContentError
from backend.storage.varint import VarintError, decode_varint, encode_varint

UNIXFS_FILE = 2
UNIXFS_TYPE_NAMES = {0: "raw", 1: "directory", 2: "file", 3: "metadata", 4: "symlink", 5: "HAMT shard"}

_VARINT = 0
_LENGTH_DELIMITED = 2

# Field keys, (field number << 3) | wire type, each one byte.
_PBNODE_DATA = 0x0A
_PBNODE_LINK = 0x12
_PBLINK_HASH = 0x0A
_PBLINK_NAME = 0x12
_PBLINK_TSIZE = 0x18
_UNIXFS_TYPE = 0x08
_UNIXFS_DATA = 0x12
_UNIXFS_FILESIZE = 0x18
_UNIXFS_BLOCKSIZE = 0x20

_EMPTY_NAME = bytes((_PBLINK_NAME, 0))
_FILE_TYPE = bytes((_UNIXFS_TYPE, UNIXFS_FILE))

Bytes = bytes | bytearray | memoryview


class ChildLink(NamedTuple):
    """A child of an internal file node: its CID, cumulative DAG size (Tsize) and file bytes beneath it."""

    cid: Cid
    tsize: int
    filesize: int


@dataclass(frozen=True, slots=True)
class PBNode:
    """A decoded dag-pb node: its links' CIDs in order (names and Tsizes are not needed to read) and Data."""

    links: list[Cid]
    data: memoryview | None


@dataclass(frozen=True, slots=True)
class UnixfsData:
    type: int
    data: memoryview
    filesize: int | None
    blocksizes: list[int]


def encode_leaf_frame(chunk_length: int) -> tuple[bytes, bytes]:
    """The bytes that go before and after a chunk to make its leaf block (``PBNode{Data: UnixFS{File}}``).

    Returned as a frame rather than a block so the chunk itself is hashed and written without a copy.
    An empty file is a leaf with no Data field at all, as kubo writes it.
    """
    length = encode_varint(chunk_length)
    suffix = bytes((_UNIXFS_FILESIZE,)) + length
    unixfs_head = _FILE_TYPE + (bytes((_UNIXFS_DATA,)) + length if chunk_length else b"")
    unixfs_length = len(unixfs_head) + chunk_length + len(suffix)
    return bytes((_PBNODE_DATA,)) + encode_varint(unixfs_length) + unixfs_head, suffix


def encode_file_node(children: Sequence[ChildLink]) -> bytes:
    """An internal file node over ``children``, byte for byte as kubo's balanced importer writes it."""
    parts = []
    unixfs = bytearray(_FILE_TYPE)
    unixfs.append(_UNIXFS_FILESIZE)
    unixfs += encode_varint(sum(child.filesize for child in children))
    for child in children:
        link = (
            bytes((_PBLINK_HASH,))
            + _length_prefixed(bytes(child.cid))
            + _EMPTY_NAME
            + bytes((_PBLINK_TSIZE,))
            + encode_varint(child.tsize)
        )
        parts.append(bytes((_PBNODE_LINK,)) + _length_prefixed(link))
        unixfs.append(_UNIXFS_BLOCKSIZE)
        unixfs += encode_varint(child.filesize)
    parts.append(bytes((_PBNODE_DATA,)) + _length_prefixed(bytes(unixfs)))
    return b"".join(parts)


def require_dag_pb(cid: Cid) -> None:
    """Refuse a CID whose block is not dag-pb (e.g. a raw leaf of ``ipfs add --cid-version=1``)."""
    if cid.codec != DAG_PB:
        raise UnsupportedContentError(
            f"{cid} is not dag-pb (codec {cid.codec:#x}); only dag-pb DAGs are read"
        )


def decode_node(block: Bytes) -> PBNode:
    links: list[Cid] = []
    data: memoryview | None = None
    for key, value in _fields(block, "dag-pb node"):
        if key == _PBNODE_LINK:
            links.append(_decode_link(_view(value)))
        elif key == _PBNODE_DATA:
            data = _view(value)
        else:
            raise InvalidDagError(f"dag-pb node has an unknown field (key {key:#x})")
    return PBNode(links, data)


def decode_unixfs(data: Bytes) -> UnixfsData:
    kind: int | None = None
    content = memoryview(b"")
    filesize: int | None = None
    blocksizes: list[int] = []
    for key, value in _fields(data, "UnixFS Data"):
        if key == _UNIXFS_TYPE:
            kind = _int(value)
        elif key == _UNIXFS_DATA:
            content = _view(value)
        elif key == _UNIXFS_FILESIZE:
            filesize = _int(value)
        elif key == _UNIXFS_BLOCKSIZE:
            blocksizes.append(_int(value))
        # Other fields (hashType, fanout, mode, mtime) do not change a file's bytes.
    if kind is None:
        raise InvalidDagError("UnixFS Data has no Type")
    return UnixfsData(kind, content, filesize, blocksizes)


def _decode_link(raw: memoryview) -> Cid:
    cid: Cid | None = None
    for key, value in _fields(raw, "dag-pb link"):
        if key == _PBLINK_HASH:
            try:
                cid = Cid.decode(bytes(_view(value)))
            except InvalidCidError as error:
                raise InvalidDagError(f"dag-pb link with a bad CID: {error}") from error
        elif key not in (_PBLINK_NAME, _PBLINK_TSIZE):
            raise InvalidDagError(f"dag-pb link has an unknown field (key {key:#x})")
    if cid is None:
        raise InvalidDagError("dag-pb link without a Hash")
    return cid


def _fields(buffer: Bytes, what: str) -> list[tuple[int, int | memoryview]]:
    """(key, value) of each field: an int for a varint, a view for a length-delimited field."""
    view = memoryview(buffer)
    fields: list[tuple[int, int | memoryview]] = []
    offset = 0
    try:
        while offset < len(view):
            key, offset = decode_varint(view, offset)
            wire_type = key & 0x7
            if wire_type == _VARINT:
                value, offset = decode_varint(view, offset)
                fields.append((key, value))
            elif wire_type == _LENGTH_DELIMITED:
                length, offset = decode_varint(view, offset)
                if offset + length > len(view):
                    raise InvalidDagError(f"{what}: field {key >> 3} runs past the end of the block")
                fields.append((key, view[offset : offset + length]))
                offset += length
            else:
                raise InvalidDagError(f"{what}: unsupported protobuf wire type {wire_type}")
    except VarintError as error:
        raise InvalidDagError(f"{what}: {error}") from error
    return fields


# A key carries its wire type, so matching a key already fixed which kind its value is.
def _view(value: int | memoryview) -> memoryview:
    return cast(memoryview, value)


def _int(value: int | memoryview) -> int:
    return cast(int, value)


def _length_prefixed(payload: bytes) -> bytes:
    return encode_varint(len(payload)) + payload
