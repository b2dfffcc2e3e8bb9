"""UnixFS files as kubo's ``ipfs add`` lays them out by default, built from a stream and read back.

The defaults reproduced (``--chunker=size-262144 --cid-version=0 --raw-leaves=false --trickle=false``):

* fixed-size chunks of 256 KiB, the last one shorter;
* every chunk in a dag-pb leaf holding ``UnixFS{Type: File, Data: chunk, filesize}`` (no raw leaves);
* the balanced layout with at most 174 links per node: leaves are grouped 174 at a time under internal
  nodes, those again 174 at a time, until one node is left. A single chunk is its own root; an empty
  file is one leaf without Data.

``FileDagBuilder`` does this incrementally: memory holds one chunk plus, per level, the at most 174 links
of the node being filled, whatever the file size.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

from backend.storage.cid import DAG_PB, Cid
from backend.storage.dagpb import (
    UNIXFS_FILE,
    UNIXFS_TYPE_NAMES,
    Bytes,
    ChildLink,
    decode_node,
    decode_unixfs,
    encode_file_node,
    encode_leaf_frame,
    require_dag_pb,
)
from backend.storage.errors import InvalidDagError, UnsupportedContentError

CHUNK_SIZE = 256 * 1024
MAX_LINKS = 174

# Receives each finished block, children before parents, as parts to concatenate; the parts may be reused
# after the call returns (the chunk is a view of the read buffer), so a sink must consume them at once.
BlockSink = Callable[[Cid, Sequence[Bytes]], None]
# Returns a block's bytes, already checked against the CID.
BlockLoader = Callable[[Cid], bytes]


class ReadableStream(Protocol):
    def readinto(self, buffer: memoryview, /) -> int | None: ...


class FileDagBuilder:
    """Kubo's default DAG for one file, fed chunk by chunk; ``finish()`` gives the root CID (a CIDv0)."""

    def __init__(self, on_block: BlockSink | None = None) -> None:
        self._on_block = on_block
        # _levels[0] holds leaves not yet under a node, _levels[1] level-1 nodes not yet under a node, ...
        self._levels: list[list[ChildLink]] = []
        self._ended = False

    def add_chunk(self, chunk: Bytes) -> None:
        length = len(chunk)
        if self._ended or length > CHUNK_SIZE or (length == 0 and self._levels):
            raise ValueError(
                f"chunks are {CHUNK_SIZE} bytes except the last, which is empty only for an empty file"
            )
        self._ended = length < CHUNK_SIZE
        prefix, suffix = encode_leaf_frame(length)
        hasher = hashlib.sha256(prefix)
        hasher.update(chunk)
        hasher.update(suffix)
        cid = Cid(0, DAG_PB, hasher.digest())
        if self._on_block is not None:
            self._on_block(cid, (prefix, chunk, suffix))
        self._push(0, ChildLink(cid, len(prefix) + length + len(suffix), length))

    def finish(self) -> Cid:
        if not self._levels:
            self.add_chunk(b"")
        self._ended = True
        level = 0
        while True:
            pending = self._levels[level]
            if level == len(self._levels) - 1 and len(pending) == 1:
                return pending[0].cid
            self._push(level + 1, self._emit_node(pending))
            level += 1

    def _push(self, level: int, child: ChildLink) -> None:
        if level == len(self._levels):
            self._levels.append([])
        pending = self._levels[level]
        # A full node is closed only once a further sibling arrives: if none does, it may be the root.
        if len(pending) == MAX_LINKS:
            self._push(level + 1, self._emit_node(pending))
        pending.append(child)

    def _emit_node(self, children: list[ChildLink]) -> ChildLink:
        block = encode_file_node(children)
        cid = Cid(0, DAG_PB, hashlib.sha256(block).digest())
        if self._on_block is not None:
            self._on_block(cid, (block,))
        link = ChildLink(
            cid,
            len(block) + sum(child.tsize for child in children),
            sum(child.filesize for child in children),
        )
        children.clear()
        return link


def read_chunks(stream: ReadableStream) -> Iterator[memoryview]:
    """``CHUNK_SIZE`` pieces of ``stream`` (the last shorter, none for an empty stream), as kubo splits.

    Each piece is a view of one reused buffer, valid until the next is asked for. Short reads (pipes,
    sockets) are filled up, since a chunk boundary must fall exactly every ``CHUNK_SIZE`` bytes.
    """
    buffer = memoryview(bytearray(CHUNK_SIZE))
    while True:
        filled = 0
        while filled < CHUNK_SIZE:
            count = stream.readinto(buffer[filled:])
            if not count:
                break
            filled += count
        if filled:
            yield buffer[:filled]
        if filled < CHUNK_SIZE:
            return


def build_file_dag(*, stream: ReadableStream, on_block: BlockSink | None = None) -> Cid:
    """The CIDv0 ``ipfs add`` gives ``stream``'s bytes; each block goes to ``on_block`` if given."""
    builder = FileDagBuilder(on_block)
    for chunk in read_chunks(stream):
        builder.add_chunk(chunk)
    return builder.finish()


def iter_file_content(*, root: Cid, load_block: BlockLoader) -> Iterator[bytes]:
    """The file under ``root``, one leaf's data at a time, walking the DAG depth first.

    Every node's sizes are checked against what its children really hold, so a DAG whose blocks are
    intact but inconsistent raises ``InvalidDagError`` rather than returning a wrong file.
    """
    yield from _walk(root, load_block, None)


def _walk(cid: Cid, load_block: BlockLoader, expected_size: int | None) -> Iterator[bytes]:
    require_dag_pb(cid)
    node = decode_node(load_block(cid))
    if node.data is None:
        raise InvalidDagError(f"{cid}: dag-pb node without UnixFS Data")
    unixfs = decode_unixfs(node.data)
    if unixfs.type != UNIXFS_FILE:
        kind = UNIXFS_TYPE_NAMES.get(unixfs.type, f"type {unixfs.type}")
        raise UnsupportedContentError(f"{cid} is a UnixFS {kind}, not a file")
    if len(unixfs.blocksizes) != len(node.links):
        raise InvalidDagError(f"{cid}: {len(node.links)} links but {len(unixfs.blocksizes)} blocksizes")
    if unixfs.data:
        yield bytes(unixfs.data)
    for child, child_size in zip(node.links, unixfs.blocksizes, strict=True):
        yield from _walk(child, load_block, child_size)
    size = len(unixfs.data) + sum(unixfs.blocksizes)
    if (unixfs.filesize is not None and unixfs.filesize != size) or expected_size not in (None, size):
        raise InvalidDagError(f"{cid}: its sizes disagree with the data beneath it")
