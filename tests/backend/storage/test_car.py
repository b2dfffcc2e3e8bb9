"""CAR v1 export, read back by a small independent CAR reader written here from the CARv1 spec."""

from __future__ import annotations

import io
import random
from pathlib import Path
from typing import Any

import pytest

from backend.storage.car import car_header
from backend.storage.cid import Cid
from backend.storage.errors import ContentNotFoundError
from backend.storage.local import LocalContentStore
from backend.storage.unixfs import CHUNK_SIZE, MAX_LINKS, iter_file_content


class CborTag:
    def __init__(self, tag: int, value: Any) -> None:
        self.tag, self.value = tag, value


def read_uvarint(data: bytes, offset: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[offset]
        offset += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, offset


def read_cbor(data: bytes, offset: int) -> tuple[Any, int]:
    """The CBOR item at ``offset``: enough of RFC 8949 for a CAR header (ints, bytes, text, arrays, maps, tags)."""
    initial = data[offset]
    major, info = initial >> 5, initial & 0x1F
    offset += 1
    if info < 24:
        argument = info
    else:
        width = {24: 1, 25: 2, 26: 4, 27: 8}[info]
        argument = int.from_bytes(data[offset : offset + width], "big")
        offset += width
    if major == 0:
        return argument, offset
    if major in (2, 3):
        raw = data[offset : offset + argument]
        return (raw if major == 2 else raw.decode()), offset + argument
    if major == 4:
        items = []
        for _ in range(argument):
            item, offset = read_cbor(data, offset)
            items.append(item)
        return items, offset
    if major == 5:
        entries = {}
        for _ in range(argument):
            key, offset = read_cbor(data, offset)
            entries[key], offset = read_cbor(data, offset)
        return entries, offset
    if major == 6:
        value, offset = read_cbor(data, offset)
        return CborTag(argument, value), offset
    raise AssertionError(f"unexpected CBOR major type {major}")


def read_cid(data: bytes, offset: int) -> tuple[bytes, int]:
    """The binary CID at ``offset``: a bare sha2-256 multihash (v0) or version, codec, multihash (v1)."""
    start = offset
    if data[offset] == 0x12:
        return data[offset : offset + 34], offset + 34
    for _ in range(2):  # version, codec
        _, offset = read_uvarint(data, offset)
    _, offset = read_uvarint(data, offset)  # multihash code
    length, offset = read_uvarint(data, offset)
    return data[start : offset + length], offset + length


def read_car(car: bytes) -> tuple[dict[str, Any], list[tuple[bytes, bytes]]]:
    """(header, [(binary CID, block), ...]) of a CARv1 file."""
    header_length, offset = read_uvarint(car, 0)
    header, end = read_cbor(car, offset)
    assert end == offset + header_length
    offset = end
    sections = []
    while offset < len(car):
        section_length, offset = read_uvarint(car, offset)
        cid, block_start = read_cid(car, offset)
        sections.append((cid, car[block_start : offset + section_length]))
        offset += section_length
    return header, sections


def export(store: LocalContentStore, cid: Cid | str) -> bytes:
    out = io.BytesIO()
    store.export_car(cid=cid, out=out)
    return out.getvalue()


def stored_block_names(store: LocalContentStore) -> set[str]:
    return {path.name for path in store.root.rglob("*") if path.is_file()}


@pytest.mark.parametrize(
    "size",
    [0, 5, 5 * CHUNK_SIZE + 3, (MAX_LINKS + 1) * CHUNK_SIZE],
    ids=["empty", "one-leaf", "two-levels", "three-levels"],
)
def test_export_car_holds_exactly_the_dag_blocks_under_their_cids(size: int, tmp_path: Path) -> None:
    store = LocalContentStore(root=tmp_path / "store")
    data = random.Random(size).randbytes(size)
    root = store.put(data=data)

    header, sections = read_car(export(store, root))

    assert header["version"] == 1
    (root_link,) = header["roots"]
    assert root_link.tag == 42 and root_link.value == b"\x00" + bytes(root)
    cids = [Cid.decode(raw_cid) for raw_cid, _ in sections]
    assert cids[0] == root
    assert all(cid.matches(block) for cid, (_, block) in zip(cids, sections, strict=True))
    assert len(set(cids)) == len(cids)
    assert {str(cid.to_v1()) for cid in cids} == stored_block_names(store)
    blocks = {cid: block for cid, (_, block) in zip(cids, sections, strict=True)}
    assert b"".join(iter_file_content(root=root, load_block=blocks.__getitem__)) == data


def test_export_car_repeated_leaves_written_once(tmp_path: Path) -> None:
    store = LocalContentStore(root=tmp_path / "store")
    root = store.put(data=bytes(6 * CHUNK_SIZE))
    _, sections = read_car(export(store, root))
    # Six links to one all-zero leaf: the root and that leaf.
    assert len(sections) == 2
    assert Cid.decode(sections[0][0]) == root


def test_export_car_cidv1_root_writes_cidv1_header(tmp_path: Path) -> None:
    store = LocalContentStore(root=tmp_path / "store")
    root = store.put(data=b"hello world\n").to_v1()
    header, sections = read_car(export(store, str(root)))
    assert header["roots"][0].value == b"\x00" + bytes(root)
    assert [Cid.decode(raw_cid) for raw_cid, _ in sections] == [root]


def test_car_header_hello_world_is_length_prefixed_dag_cbor() -> None:
    # {"roots": [tag 42: 0x00 + CID], "version": 1}: map(2), text(5), array(1), tag(42), bytes(35), text(7), 1.
    cid = Cid.parse("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o")
    expected_cbor = (
        bytes.fromhex("a265726f6f747381d82a5823")
        + b"\x00"
        + cid.multihash
        + bytes.fromhex("6776657273696f6e01")
    )
    assert car_header(cid) == bytes((len(expected_cbor),)) + expected_cbor


def test_export_car_missing_block_raises_not_found(tmp_path: Path) -> None:
    store = LocalContentStore(root=tmp_path / "store")
    with pytest.raises(ContentNotFoundError):
        export(store, "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o")
