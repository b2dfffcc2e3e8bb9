"""What a dataset accepts, and how much a contribution weighs in its contributors' reward share.

A contribution's weight is its number of records: non-empty lines for line-based text (plain text, CSV
rows after the header, JSON Lines), one for a JSON document or an image. Rewards are pro rata to weight, so
padding a file with blank lines earns nothing.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable


class ContributionRejected(ValueError):
    """The contribution breaks a dataset rule; the message is the reason shown to its contributor."""


class ContributionTooLarge(ContributionRejected):
    """The file is above the size limit."""


class UnsupportedMediaType(ContributionRejected):
    """No dataset accepts files of this media type."""


def _text(chunks: Iterable[bytes]) -> str:
    try:
        return b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError as error:
        raise ContributionRejected(f"not UTF-8 text (byte {error.start})") from None


def _lines(chunks: Iterable[bytes]) -> int:
    records = sum(1 for line in _text(chunks).splitlines() if line.strip())
    if records == 0:
        raise ContributionRejected("no record: the file holds only blank lines")
    return records


def _csv(chunks: Iterable[bytes]) -> int:
    try:
        rows = [row for row in csv.reader(io.StringIO(_text(chunks))) if any(cell.strip() for cell in row)]
    except csv.Error as error:
        raise ContributionRejected(f"not valid CSV: {error}") from None
    if len(rows) < 2:
        raise ContributionRejected("a CSV contribution needs a header and at least one row")
    width = len(rows[0])
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != width:
            raise ContributionRejected(f"CSV row {number} has {len(row)} fields, the header has {width}")
    return len(rows) - 1


def _json_lines(chunks: Iterable[bytes]) -> int:
    records = 0
    for number, line in enumerate(_text(chunks).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            json.loads(line)
        except json.JSONDecodeError as error:
            raise ContributionRejected(f"line {number} is not JSON: {error.msg}") from None
        records += 1
    if records == 0:
        raise ContributionRejected("no record: the file holds only blank lines")
    return records


def _json(chunks: Iterable[bytes]) -> int:
    try:
        json.loads(_text(chunks))
    except json.JSONDecodeError as error:
        raise ContributionRejected(f"not a JSON document: {error.msg} at line {error.lineno}") from None
    return 1


def _magic(prefix: bytes, kind: str) -> Callable[[Iterable[bytes]], int]:
    def check(chunks: Iterable[bytes]) -> int:
        head = b""
        for chunk in chunks:
            head += chunk[: len(prefix) - len(head)]
            if len(head) == len(prefix):
                break
        if head != prefix:
            raise ContributionRejected(f"not a {kind} image (wrong file signature)")
        return 1

    return check


VALIDATORS: dict[str, Callable[[Iterable[bytes]], int]] = {
    "text/plain": _lines,
    "text/csv": _csv,
    "application/jsonl": _json_lines,
    "application/x-ndjson": _json_lines,
    "application/json": _json,
    "image/png": _magic(b"\x89PNG\r\n\x1a\n", "PNG"),
    "image/jpeg": _magic(b"\xff\xd8\xff", "JPEG"),
}
SUPPORTED_MEDIA_TYPES = tuple(VALIDATORS)


def weigh(*, media_type: str, size: int, max_bytes: int, chunks: Iterable[bytes]) -> int:
    """The contribution's weight; ContributionRejected with the reason when it breaks a rule."""
    if size == 0:
        raise ContributionRejected("the file is empty")
    if size > max_bytes:
        raise ContributionTooLarge(f"the file has {size} bytes, the limit is {max_bytes}")
    check_media_type(media_type)
    return VALIDATORS[media_type](chunks)


def check_media_type(media_type: str) -> None:
    if media_type not in VALIDATORS:
        supported = ", ".join(SUPPORTED_MEDIA_TYPES)
        raise UnsupportedMediaType(f"unsupported media type {media_type!r} (supported: {supported})")
