"""LocalContentStore on real files in tmp_path, its CIDs checked against Debian's independent ``ipfs_cid``."""

from __future__ import annotations

import hashlib
import io
import random
from pathlib import Path
from typing import NamedTuple

import pytest

from backend.storage.cid import Cid
from backend.storage.errors import ContentNotFoundError, CorruptBlockError, InvalidCidError
from backend.storage.local import LocalContentStore
from backend.storage.unixfs import CHUNK_SIZE, MAX_LINKS
from tests.backend.storage.conftest import FailingStream, ReferenceCids


class Sample(NamedTuple):
    name: str
    size: int
    fill: str  # "random" (seeded by name), "zeros", "ones", "text"


def sample_bytes(sample: Sample) -> bytes:
    if sample.fill == "zeros":
        return bytes(sample.size)
    if sample.fill == "ones":
        return b"\xff" * sample.size
    if sample.fill == "text":
        line = b"Provenant pays the people whose data trained the model.\n"
        return (line * (sample.size // len(line) + 1))[: sample.size]
    return random.Random(sample.name).randbytes(sample.size)


_sizes = random.Random(20240611)
SAMPLES = [
    Sample("empty", 0, "random"),
    Sample("one-byte", 1, "random"),
    Sample("two-bytes", 2, "random"),
    Sample("hundred-bytes", 100, "random"),
    Sample("page", 4096, "random"),
    Sample("chunk-minus-1", CHUNK_SIZE - 1, "random"),
    Sample("chunk", CHUNK_SIZE, "random"),
    Sample("chunk-plus-1", CHUNK_SIZE + 1, "random"),
    Sample("two-chunks-minus-1", 2 * CHUNK_SIZE - 1, "random"),
    Sample("two-chunks", 2 * CHUNK_SIZE, "random"),
    Sample("two-chunks-plus-1", 2 * CHUNK_SIZE + 1, "random"),
    Sample("seven-chunks-and-change", 7 * CHUNK_SIZE + 12_345, "random"),
    # 174 chunks fill one node exactly; one more byte needs a third level.
    Sample("max-links-chunks-minus-1", MAX_LINKS * CHUNK_SIZE - 1, "random"),
    Sample("max-links-chunks", MAX_LINKS * CHUNK_SIZE, "random"),
    Sample("max-links-chunks-plus-1", MAX_LINKS * CHUNK_SIZE + 1, "random"),
    Sample("zeros-repeated-leaves", 4 * CHUNK_SIZE + 5, "zeros"),
    Sample("ones", 3 * CHUNK_SIZE, "ones"),
    Sample("text", 700_001, "text"),
    *(Sample(f"random-size-{index}", _sizes.randrange(1, 6 * CHUNK_SIZE), "random") for index in range(10)),
    *(Sample(f"random-content-{index}", CHUNK_SIZE + 7, "random") for index in range(3)),
]
BY_NAME = {sample.name: sample for sample in SAMPLES}


@pytest.fixture
def store(tmp_path: Path) -> LocalContentStore:
    return LocalContentStore(root=tmp_path / "store")


def write_sample(directory: Path, sample: Sample) -> tuple[Path, bytes]:
    data = sample_bytes(sample)
    path = directory / sample.name
    path.write_bytes(data)
    return path, data


def block_files(store: LocalContentStore) -> list[Path]:
    return [path for path in store.root.rglob("*") if path.is_file()]


@pytest.mark.parametrize("sample", SAMPLES, ids=[sample.name for sample in SAMPLES])
def test_put_stream_cids_equal_ipfs_cid(
    sample: Sample, tmp_path: Path, store: LocalContentStore, ipfs_cid: ReferenceCids
) -> None:
    path, _ = write_sample(tmp_path, sample)
    with path.open("rb") as file:
        cid = store.put_stream(stream=file)
    assert (str(cid), str(cid.to_v1())) == ipfs_cid(path)


def test_put_hello_world_gives_known_cidv0_and_cidv1(store: LocalContentStore) -> None:
    cid = store.put(data=b"hello world\n")
    assert str(cid) == "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"
    assert str(cid.to_v1()) == "bafybeicg2rebjoofv4kbyovkw7af3rpiitvnl6i7ckcywaq6xjcxnc2mby"


@pytest.mark.parametrize(
    "name", ["empty", "one-byte", "chunk-plus-1", "zeros-repeated-leaves", "max-links-chunks-plus-1"]
)
def test_get_returns_bytes_put_streaming_chunk_by_chunk(name: str, store: LocalContentStore) -> None:
    data = sample_bytes(BY_NAME[name])
    cid = store.put(data=data)
    assert store.get(cid=str(cid)) == data
    pieces = list(store.iter_content(cid=cid.to_v1()))
    assert max((len(piece) for piece in pieces), default=0) <= CHUNK_SIZE
    assert hashlib.sha256(b"".join(pieces)).digest() == hashlib.sha256(data).digest()


def test_put_same_content_twice_stores_blocks_once(store: LocalContentStore) -> None:
    data = sample_bytes(BY_NAME["zeros-repeated-leaves"])
    first = store.put(data=data)
    files = sorted(block_files(store))
    assert store.put(data=data) == first
    # Four equal full chunks share one leaf: 2 distinct leaves + the root.
    assert sorted(block_files(store)) == files
    assert len(files) == 3


def test_has_is_true_after_put_and_false_for_unknown(store: LocalContentStore) -> None:
    cid = store.put(data=b"kept")
    other = Cid.parse("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o")
    assert store.has(cid=cid)
    assert store.has(cid=str(cid.to_v1()))
    assert not store.has(cid=other)


def test_get_unknown_cid_raises_not_found_naming_it(store: LocalContentStore) -> None:
    with pytest.raises(ContentNotFoundError, match="QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"):
        store.get(cid="QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o")


@pytest.mark.parametrize("text", ["", "not-a-cid", "Qm" + "0" * 44])
def test_store_methods_bad_cid_text_raise_invalid_cid(text: str, store: LocalContentStore) -> None:
    with pytest.raises(InvalidCidError):
        store.get(cid=text)
    with pytest.raises(InvalidCidError):
        store.has(cid=text)
    with pytest.raises(InvalidCidError):
        store.export_car(cid=text, out=io.BytesIO())


def test_get_corrupted_leaf_raises_clear_error_and_loses_nothing_else(store: LocalContentStore) -> None:
    data = random.Random("corrupt").randbytes(3 * CHUNK_SIZE)
    other = random.Random("other").randbytes(2 * CHUNK_SIZE + 3)
    cid = store.put(data=data)
    other_cid = store.put(data=other)
    second_chunk = data[CHUNK_SIZE : 2 * CHUNK_SIZE]
    (leaf,) = [path for path in block_files(store) if second_chunk[:64] in path.read_bytes()]
    damaged = bytearray(leaf.read_bytes())
    damaged[100] ^= 0x01
    leaf.write_bytes(damaged)

    pieces = store.iter_content(cid=cid)
    assert next(pieces) == data[:CHUNK_SIZE]  # blocks before the damaged one still verify
    with pytest.raises(CorruptBlockError, match=rf"{leaf.name}.*corrupted"):
        next(pieces)
    assert store.get(cid=other_cid) == other
    assert store.has(cid=cid)

    assert store.put(data=data) == cid  # putting the content again repairs the block
    assert store.get(cid=cid) == data


def test_get_corrupted_root_raises_before_returning_anything(store: LocalContentStore) -> None:
    cid = store.put(data=b"small file")
    (block,) = block_files(store)
    block.write_bytes(block.read_bytes()[:-1])
    with pytest.raises(CorruptBlockError, match=str(cid)):
        store.get(cid=cid)


def test_put_stream_failing_midway_raises_and_keeps_stored_content(store: LocalContentStore) -> None:
    kept = b"already stored"
    kept_cid = store.put(data=kept)
    with pytest.raises(OSError, match="connection reset"):
        store.put_stream(stream=FailingStream(bytes(5 * CHUNK_SIZE), 2 * CHUNK_SIZE + 10))
    assert store.get(cid=kept_cid) == kept
    assert not [path for path in block_files(store) if path.name.startswith(".tmp-")]
