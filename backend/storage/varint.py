"""Unsigned LEB128 varints, as protobuf, multiformats (CID, multihash) and CAR all write lengths and codes."""

from __future__ import annotations

# A uint64 needs at most 10 groups of 7 bits; anything longer is garbage, not a bigger number.
_MAX_VARINT_BYTES = 10


class VarintError(ValueError):
    """Truncated or over-long varint."""


def encode_varint(value: int) -> bytes:
    if not 0 <= value < 1 << 64:
        raise ValueError(f"varint out of uint64 range: {value}")
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def decode_varint(data: bytes | bytearray | memoryview, offset: int = 0) -> tuple[int, int]:
    """The varint at ``offset`` and the offset just past it."""
    view = memoryview(data)
    value = 0
    for index in range(_MAX_VARINT_BYTES):
        position = offset + index
        if position >= len(view):
            raise VarintError(f"truncated varint at byte {offset}")
        byte = view[position]
        value |= (byte & 0x7F) << (7 * index)
        if byte < 0x80:
            if value >= 1 << 64:
                break
            return value, position + 1
    raise VarintError(f"varint at byte {offset} is longer than a uint64")
