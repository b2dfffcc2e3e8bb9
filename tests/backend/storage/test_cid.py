"""CIDv0/CIDv1 text and binary forms, checked against the forms ``ipfs_cid`` prints for a known file."""

from __future__ import annotations

import hashlib

import pytest

from backend.storage.cid import DAG_PB, Cid, as_cid
from backend.storage.errors import InvalidCidError

# `hello world\n` as `ipfs add` stores it (one leaf); both forms as Debian's ipfs_cid prints them.
HELLO_V0 = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"
HELLO_V1 = "bafybeicg2rebjoofv4kbyovkw7af3rpiitvnl6i7ckcywaq6xjcxnc2mby"
HELLO_BLOCK = bytes.fromhex("0a120802120c") + b"hello world\n" + bytes.fromhex("180c")


def test_parse_cidv0_round_trips_to_text() -> None:
    cid = Cid.parse(HELLO_V0)
    assert (cid.version, cid.codec, str(cid)) == (0, DAG_PB, HELLO_V0)


def test_to_v1_of_known_cidv0_gives_ipfs_cid_base32_form() -> None:
    assert str(Cid.parse(HELLO_V0).to_v1()) == HELLO_V1


def test_parse_cidv1_converts_back_to_cidv0() -> None:
    cid = Cid.parse(HELLO_V1)
    assert (cid.version, str(cid.to_v0())) == (1, HELLO_V0)


def test_matches_known_block_and_rejects_altered_one() -> None:
    cid = Cid.parse(HELLO_V0)
    assert cid.matches(HELLO_BLOCK)
    assert not cid.matches(HELLO_BLOCK[:-1] + b"\x0d")


def test_bytes_forms_decode_to_same_cid() -> None:
    v0 = Cid.parse(HELLO_V0)
    v1 = v0.to_v1()
    assert bytes(v0) == b"\x12\x20" + hashlib.sha256(HELLO_BLOCK).digest()
    assert bytes(v1) == b"\x01\x70" + bytes(v0)
    assert (Cid.decode(bytes(v0)), Cid.decode(bytes(v1))) == (v0, v1)


def test_as_cid_accepts_text_or_cid() -> None:
    cid = Cid.parse(HELLO_V0)
    assert as_cid(HELLO_V0) == as_cid(cid) == cid


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "not a CID"),
        ("hello", "not a CID"),
        ("zb2rhe5P4gXftAwvA4eXQ5HJwsER2owDyS9sKaQRRVQPn93bA", "not a CID"),  # base58 CIDv1: not accepted
        ("Qm" + "l" * 44, "not base58btc"),
        ("Qm" + "1" * 44, "only 32-byte sha2-256"),  # base58 fine, but not a sha2-256 multihash
        ("b!!!", "not base32"),
        ("bciqhsrdgbk2tz6pmcx7hkz2ucdcvrjptwkzfqaqmnhd5bp5fvevd2sq", "version 1"),  # base32 of a bare v0
    ],
)
def test_parse_bad_or_unsupported_text_raises_invalid_cid(text: str, message: str) -> None:
    with pytest.raises(InvalidCidError, match=message):
        Cid.parse(text)


def test_parse_raw_codec_cidv1_keeps_its_codec() -> None:
    # A raw leaf of `ipfs add --cid-version=1`: a valid CID that the stores then refuse to read as dag-pb.
    cid = Cid.parse("bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e")
    assert (cid.version, cid.codec) == (1, 0x55)


def test_decode_non_sha256_multihash_raises_invalid_cid() -> None:
    sha3_multihash = b"\x16\x20" + bytes(32)
    with pytest.raises(InvalidCidError, match="only 32-byte sha2-256"):
        Cid.decode(b"\x01\x70" + sha3_multihash)


def test_decode_truncated_binary_raises_invalid_cid() -> None:
    with pytest.raises(InvalidCidError, match="malformed"):
        Cid.decode(b"\x01")


def test_cid_constructor_rejects_inconsistent_fields() -> None:
    with pytest.raises(InvalidCidError, match="always dag-pb"):
        Cid(0, 0x55, bytes(32))
    with pytest.raises(InvalidCidError, match="32 bytes"):
        Cid(1, DAG_PB, bytes(31))
    with pytest.raises(InvalidCidError, match="version 2"):
        Cid(2, DAG_PB, bytes(32))
