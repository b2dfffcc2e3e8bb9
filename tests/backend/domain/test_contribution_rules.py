import pytest

from backend.domain.contribution_rules import ContributionRejected, weigh


def _weigh(media_type: str, data: bytes, *, max_bytes: int = 1_000) -> int:
    return weigh(media_type=media_type, size=len(data), max_bytes=max_bytes, chunks=[data[:3], data[3:]])


@pytest.mark.parametrize(
    ("media_type", "data", "weight"),
    [
        ("text/plain", b"one\n\n  \ntwo\nthree", 3),
        ("text/csv", b'prompt,answer\nhi,hello\n"a,b",c\n', 2),
        ("application/jsonl", b'{"a": 1}\n\n[2]\n', 2),
        ("application/json", b'{"rows": [1, 2, 3]}', 1),
        ("image/png", b"\x89PNG\r\n\x1a\n....", 1),
        ("image/jpeg", b"\xff\xd8\xff\xe0....", 1),
    ],
)
def test_weigh_validContent_countsRecords(media_type: str, data: bytes, weight: int) -> None:
    assert _weigh(media_type, data) == weight


@pytest.mark.parametrize(
    ("media_type", "data", "reason"),
    [
        ("text/plain", b"", "the file is empty"),
        ("text/plain", b"x" * 1_001, "the limit is 1000"),
        ("application/pdf", b"%PDF", "unsupported media type 'application/pdf'"),
        ("text/plain", b"\n \n", "only blank lines"),
        ("text/plain", b"caf\xe9", "not UTF-8 text"),
        ("text/csv", b"a,b\n1\n", "CSV row 2 has 1 fields, the header has 2"),
        ("text/csv", b"header_only\n", "header and at least one row"),
        ("application/jsonl", b'{"a": 1}\n{oops\n', "line 2 is not JSON"),
        ("application/json", b"{", "not a JSON document"),
        ("image/png", b"GIF89a", "not a PNG image"),
    ],
)
def test_weigh_badContent_rejectsWithReason(media_type: str, data: bytes, reason: str) -> None:
    with pytest.raises(ContributionRejected, match=reason.replace("(", r"\(").replace(")", r"\)")):
        _weigh(media_type, data)
