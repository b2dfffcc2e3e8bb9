"""CAR v1 export of a dag-pb DAG: what ``ipfs dag export`` writes, readable by any IPFS implementation.

Layout: ``varint(len(header)) header`` with the header the DAG-CBOR map ``{"roots": [root], "version": 1}``,
then one section per block, ``varint(len(cid) + len(block)) cid block``, CIDs in binary form (a CIDv0 is its
bare multihash). Blocks come depth first in link order, each once even if several links point to it.
"""

from __future__ import annotations

from typing import BinaryIO

from backend.storage.cid import Cid
from backend.storage.dagpb import decode_node, require_dag_pb
from backend.storage.unixfs import BlockLoader
from backend.storage.varint import encode_varint

# DAG-CBOR: map(2), keys in length-then-bytes order ("roots" before "version"), root as tag 42 over the
# byte string 0x00 + binary CID. A binary CID is 34 to 37 bytes, so the byte-string length takes the
# one-byte form (0x58 n).
_MAP_OF_TWO = b"\xa2"
_ROOTS_KEY = b"\x65roots"
_ARRAY_OF_ONE = b"\x81"
_CID_TAG = b"\xd8\x2a"
_BYTES_WITH_ONE_BYTE_LENGTH = b"\x58"
_VERSION_1 = b"\x67version\x01"


def car_header(root: Cid) -> bytes:
    cid_bytes = b"\x00" + bytes(root)
    cbor = (
        _MAP_OF_TWO
        + _ROOTS_KEY
        + _ARRAY_OF_ONE
        + _CID_TAG
        + _BYTES_WITH_ONE_BYTE_LENGTH
        + bytes((len(cid_bytes),))
        + cid_bytes
        + _VERSION_1
    )
    return encode_varint(len(cbor)) + cbor


def write_car(*, root: Cid, load_block: BlockLoader, out: BinaryIO) -> None:
    out.write(car_header(root))
    seen: set[Cid] = set()
    stack = [root]
    while stack:
        cid = stack.pop()
        if cid in seen:
            continue
        seen.add(cid)
        require_dag_pb(cid)
        block = load_block(cid)
        cid_bytes = bytes(cid)
        out.write(encode_varint(len(cid_bytes) + len(block)))
        out.write(cid_bytes)
        out.write(block)
        stack.extend(reversed(decode_node(block).links))
