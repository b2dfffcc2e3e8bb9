"""Content identifiers: CIDv0 (``Qm…``, base58btc multihash) and CIDv1 (``b…``, base32), sha2-256 only.

kubo's ``ipfs add`` defaults give CIDv0, which is always dag-pb + sha2-256; the CIDv1 form of the same
content names the same codec and multihash, so ``Cid.parse("Qm…").to_v1()`` is what ``ipfs cid format -v 1
-b base32`` prints. Only sha2-256 is accepted because it is the one hash every block here is checked with.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from backend.storage.errors import InvalidCidError
from backend.storage.varint import VarintError, decode_varint, encode_varint

DAG_PB = 0x70
SHA2_256 = 0x12
SHA2_256_LENGTH = 32

_MULTIHASH_PREFIX = bytes((SHA2_256, SHA2_256_LENGTH))
_BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_INDEX = {char: index for index, char in enumerate(_BASE58_ALPHABET)}
_CIDV0_TEXT_LENGTH = 46


@dataclass(frozen=True, slots=True)
class Cid:
    """A CID of a block whose multihash is sha2-256 (``digest``); ``codec`` is its multicodec code."""

    version: int
    codec: int
    digest: bytes

    def __post_init__(self) -> None:
        if self.version not in (0, 1):
            raise InvalidCidError(f"unsupported CID version {self.version}")
        if self.version == 0 and self.codec != DAG_PB:
            raise InvalidCidError("a CIDv0 is always dag-pb")
        if len(self.digest) != SHA2_256_LENGTH:
            raise InvalidCidError(f"a sha2-256 digest is 32 bytes, got {len(self.digest)}")

    @classmethod
    def parse(cls, text: str) -> Cid:
        """A CIDv0 (``Qm…``) or a base32 CIDv1 (``b…``)."""
        if len(text) == _CIDV0_TEXT_LENGTH and text.startswith("Qm"):
            return cls.decode(_base58_decode(text))
        if text.startswith("b") and len(text) > 1:
            body = text[1:]
            try:
                raw = base64.b32decode(body.upper() + "=" * (-len(body) % 8))
            except ValueError as error:
                raise InvalidCidError(f"not base32: {text!r}") from error
            cid = cls.decode(raw)
            if cid.version != 1:
                raise InvalidCidError(f"a base32 CID must be version 1: {text!r}")
            return cid
        raise InvalidCidError(f"not a CID: {text!r} (expected a CIDv0 'Qm…' or a base32 CIDv1 'b…')")

    @classmethod
    def decode(cls, raw: bytes) -> Cid:
        """A CID from its binary form: a bare sha2-256 multihash (v0) or ``0x01 codec multihash`` (v1)."""
        # 0x12 (sha2-256) is no CID version, so a leading 0x12 marks a CIDv0.
        if raw[:1] == bytes((SHA2_256,)):
            return cls(0, DAG_PB, _sha256_digest(raw))
        try:
            version, offset = decode_varint(raw)
            codec, offset = decode_varint(raw, offset)
        except VarintError as error:
            raise InvalidCidError(f"malformed binary CID {raw.hex()}: {error}") from error
        if version != 1:
            raise InvalidCidError(f"unsupported CID version {version} in {raw.hex()}")
        return cls(1, codec, _sha256_digest(raw[offset:]))

    @property
    def multihash(self) -> bytes:
        return _MULTIHASH_PREFIX + self.digest

    def to_v0(self) -> Cid:
        return Cid(0, self.codec, self.digest)

    def to_v1(self) -> Cid:
        return Cid(1, self.codec, self.digest)

    def matches(self, block: bytes) -> bool:
        """Whether ``block`` hashes to this CID."""
        return hashlib.sha256(block).digest() == self.digest

    def __bytes__(self) -> bytes:
        if self.version == 0:
            return self.multihash
        return b"\x01" + encode_varint(self.codec) + self.multihash

    def __str__(self) -> str:
        if self.version == 0:
            return _base58_encode(self.multihash)
        return "b" + base64.b32encode(bytes(self)).decode("ascii").lower().rstrip("=")


def as_cid(value: Cid | str) -> Cid:
    """A CID given as an object or as text (``InvalidCidError`` on bad text)."""
    return value if isinstance(value, Cid) else Cid.parse(value)


def _sha256_digest(multihash: bytes) -> bytes:
    if multihash[:2] != _MULTIHASH_PREFIX or len(multihash) != 2 + SHA2_256_LENGTH:
        raise InvalidCidError(f"only 32-byte sha2-256 multihashes are supported, got {multihash.hex()}")
    return multihash[2:]


# Only sha2-256 multihashes (0x12 …, "Qm…") pass through base58 here: no leading zero bytes to keep.
def _base58_encode(raw: bytes) -> str:
    number = int.from_bytes(raw, "big")
    chars = []
    while number:
        number, remainder = divmod(number, 58)
        chars.append(_BASE58_ALPHABET[remainder])
    return "".join(reversed(chars))


def _base58_decode(text: str) -> bytes:
    number = 0
    for char in text:
        if char not in _BASE58_INDEX:
            raise InvalidCidError(f"not base58btc: {text!r} (bad character {char!r})")
        number = number * 58 + _BASE58_INDEX[char]
    return number.to_bytes((number.bit_length() + 7) // 8, "big")
