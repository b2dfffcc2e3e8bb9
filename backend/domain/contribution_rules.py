"""What a dataset accepts, and which of a contribution's records count towards its contributors' rewards.

A file is a sequence of records: non-empty lines for plain text, CSV rows after the header, JSON Lines
values, the elements of a JSON array (any other JSON document is one record), an image. Each record is
normalised (runs of whitespace become one space, ends trimmed; case folded when the dataset's rules say so;
JSON re-encoded canonically, CSV rows keyed by their normalised header) and identified by the SHA-256 of its
normalised form, so padding, whitespace or case variants and reordered columns make no new record. Records
shorter than the dataset's minimum record size do not count. Which records are new to the dataset (and so
what a contribution weighs) is for the review to decide, against the hashes it has stored.

Files are read as a stream of chunks: only the current line (or CSV row) is held, except a JSON document,
which is parsed whole.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

DEFAULT_MIN_RECORD_BYTES = 1
MAX_MIN_RECORD_BYTES = 1 << 20


class ContributionRejected(ValueError):
    """The contribution breaks a dataset rule; the message is the reason shown to its contributor."""


class ContributionTooLarge(ContributionRejected):
    """The file is above the size limit."""


class UnsupportedMediaType(ContributionRejected):
    """No dataset accepts files of this media type."""


@dataclass(frozen=True, slots=True)
class ContributionRules:
    """A dataset's rules, as its curator sets them (the defaults until then)."""

    case_insensitive: bool = False  # "Hello" and "hello" are one record
    min_record_bytes: int = DEFAULT_MIN_RECORD_BYTES  # of the normalised record, in UTF-8
    max_weight_per_epoch: int | None = None  # per contributor; None: no cap


@dataclass(frozen=True, slots=True)
class Record:
    digest: bytes  # SHA-256 of the normalised record
    size: int  # bytes of the normalised record (of the file, for an image)


Recorder = Callable[[Iterable[bytes], ContributionRules], Iterator[Record]]


def _normalised(text: str, rules: ContributionRules) -> str:
    collapsed = " ".join(text.split())
    return collapsed.casefold() if rules.case_insensitive else collapsed


def _record(text: str) -> Record:
    encoded = text.encode("utf-8")
    return Record(hashlib.sha256(encoded).digest(), len(encoded))


def _decoded(chunks: Iterable[bytes]) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    try:
        for chunk in chunks:
            yield decoder.decode(chunk)
            offset += len(chunk)
        yield decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        # The decoder's buffer may hold up to 3 bytes of the previous chunk: the offset is approximate.
        raise ContributionRejected(f"not UTF-8 text (near byte {max(offset + error.start, 0)})") from None


# str.splitlines breaks, but "\r", which may be the first half of a "\r\n" split across chunks.
_LINE_ENDS = "\n\v\f\x1c\x1d\x1e\x85\u2028\u2029"


def _lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """The text's lines (as str.splitlines), holding one line at a time."""
    pending: list[str] = []
    for text in _decoded(chunks):
        for piece in text.splitlines(keepends=True):
            pending.append(piece)
            if piece[-1] in _LINE_ENDS:
                yield from "".join(pending).splitlines()
                pending = []
    yield from "".join(pending).splitlines()


def _csv_lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """The text cut after each "\\n", ends kept, as csv.reader wants it (quoted fields may span lines)."""
    pending: list[str] = []
    for text in _decoded(chunks):
        *complete, rest = text.split("\n")
        for piece in complete:
            pending.append(piece)
            yield "".join(pending) + "\n"
            pending = []
        pending.append(rest)
    if last := "".join(pending):
        yield last


def _plain_text(chunks: Iterable[bytes], rules: ContributionRules) -> Iterator[Record]:
    for line in _lines(chunks):
        if normalised := _normalised(line, rules):
            yield _record(normalised)


def _csv(chunks: Iterable[bytes], rules: ContributionRules) -> Iterator[Record]:
    rows = (row for row in csv.reader(_csv_lines(chunks)) if any(cell.strip() for cell in row))
    try:
        header = [_normalised(cell, rules) for cell in next(rows, [])]
        rows_seen = 0
        for number, row in enumerate(rows, start=2):
            if len(row) != len(header):
                raise ContributionRejected(
                    f"CSV row {number} has {len(row)} fields, the header has {len(header)}"
                )
            rows_seen += 1
            # Keyed by column name: the same row with its columns reordered is the same record.
            cells = sorted(zip(header, (_normalised(cell, rules) for cell in row), strict=True))
            yield _record(json.dumps(cells, ensure_ascii=False, separators=(",", ":")))
    except csv.Error as error:
        raise ContributionRejected(f"not valid CSV: {error}") from None
    if rows_seen == 0:
        raise ContributionRejected("a CSV contribution needs a header and at least one row")


def _canonical(value: Any, rules: ContributionRules) -> Any:
    if isinstance(value, str):
        return _normalised(value, rules)
    if isinstance(value, list):
        return [_canonical(item, rules) for item in value]
    if isinstance(value, dict):
        return {_normalised(key, rules): _canonical(item, rules) for key, item in value.items()}
    return value


def _json_record(value: Any, rules: ContributionRules) -> Record:
    canonical = _canonical(value, rules)
    return _record(json.dumps(canonical, ensure_ascii=False, sort_keys=True, separators=(",", ":")))


def _json_lines(chunks: Iterable[bytes], rules: ContributionRules) -> Iterator[Record]:
    for number, line in enumerate(_lines(chunks), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            raise ContributionRejected(f"line {number} is not JSON: {error.msg}") from None
        yield _json_record(value, rules)


def _json(chunks: Iterable[bytes], rules: ContributionRules) -> Iterator[Record]:
    try:
        document = json.loads("".join(_decoded(chunks)))
    except json.JSONDecodeError as error:
        raise ContributionRejected(f"not a JSON document: {error.msg} at line {error.lineno}") from None
    if document == []:
        raise ContributionRejected("no record: the JSON array is empty")
    for value in document if isinstance(document, list) else [document]:
        yield _json_record(value, rules)


def _image(prefix: bytes, kind: str) -> Recorder:
    def records(chunks: Iterable[bytes], rules: ContributionRules) -> Iterator[Record]:
        digest, head, size = hashlib.sha256(), b"", 0
        for chunk in chunks:
            head += chunk[: len(prefix) - len(head)]
            digest.update(chunk)
            size += len(chunk)
        if head != prefix:
            raise ContributionRejected(f"not a {kind} image (wrong file signature)")
        yield Record(digest.digest(), size)

    return records


RECORDERS: dict[str, Recorder] = {
    "text/plain": _plain_text,
    "text/csv": _csv,
    "application/jsonl": _json_lines,
    "application/x-ndjson": _json_lines,
    "application/json": _json,
    "image/png": _image(b"\x89PNG\r\n\x1a\n", "PNG"),
    "image/jpeg": _image(b"\xff\xd8\xff", "JPEG"),
}
SUPPORTED_MEDIA_TYPES = tuple(RECORDERS)


def records(
    *, media_type: str, size: int, max_bytes: int, chunks: Iterable[bytes], rules: ContributionRules
) -> Iterator[Record]:
    """The file's records that count, in file order, repeats included. ContributionRejected with the reason
    when the file breaks a rule: the size and media type at once, its content while it is read."""
    if size == 0:
        raise ContributionRejected("the file is empty")
    if size > max_bytes:
        raise ContributionTooLarge(f"the file has {size} bytes, the limit is {max_bytes}")
    check_media_type(media_type)
    return _large_enough(RECORDERS[media_type](chunks, rules), rules)


def _large_enough(found: Iterator[Record], rules: ContributionRules) -> Iterator[Record]:
    counted = short = 0
    for record in found:
        if record.size < rules.min_record_bytes:
            short += 1
            continue
        counted += 1
        yield record
    if short and not counted:
        raise ContributionRejected(
            f"no record of at least {rules.min_record_bytes} bytes (the dataset's minimum record size); "
            f"the file's {short} records are all shorter"
        )
    if not counted:
        raise ContributionRejected("no record: the file holds only blank lines")


def check_media_type(media_type: str) -> None:
    if media_type not in RECORDERS:
        supported = ", ".join(SUPPORTED_MEDIA_TYPES)
        raise UnsupportedMediaType(f"unsupported media type {media_type!r} (supported: {supported})")
