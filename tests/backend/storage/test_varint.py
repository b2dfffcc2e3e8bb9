"""Varints against the protobuf encoding examples and their limits."""

from __future__ import annotations

import pytest

from backend.storage.varint import VarintError, decode_varint, encode_varint

KNOWN = [(0, "00"), (1, "01"), (127, "7f"), (128, "8001"), (300, "ac02"), (2**64 - 1, "ffffffffffffffffff01")]


@pytest.mark.parametrize(("value", "encoded"), KNOWN)
def test_encode_varint_known_values_match_protobuf(value: int, encoded: str) -> None:
    assert encode_varint(value).hex() == encoded


@pytest.mark.parametrize(("value", "encoded"), KNOWN)
def test_decode_varint_at_offset_returns_value_and_next_offset(value: int, encoded: str) -> None:
    raw = b"\xff" + bytes.fromhex(encoded) + b"\x05"
    assert decode_varint(raw, 1) == (value, 1 + len(encoded) // 2)


@pytest.mark.parametrize("value", [-1, 2**64])
def test_encode_varint_out_of_range_raises(value: int) -> None:
    with pytest.raises(ValueError, match="uint64"):
        encode_varint(value)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "truncated"),
        ("80", "truncated"),
        ("ffffffffffffffffff02", "longer than a uint64"),  # 2**64: ten bytes but past uint64
        ("8080808080808080808001", "longer than a uint64"),  # eleven bytes
    ],
)
def test_decode_varint_bad_input_raises(raw: str, message: str) -> None:
    with pytest.raises(VarintError, match=message):
        decode_varint(bytes.fromhex(raw))
