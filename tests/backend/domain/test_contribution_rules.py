import pytest

from backend.domain.contribution_rules import ContributionRejected, ContributionRules, Record, records


def _records(media_type: str, data: bytes, rules: ContributionRules | None = None) -> list[Record]:
    found = records(
        media_type=media_type,
        size=len(data),
        max_bytes=1_000,
        chunks=[data[i : i + 3] for i in range(0, len(data), 3)],  # records cross chunk boundaries
        rules=rules or ContributionRules(),
    )
    return list(found)


def _digests(media_type: str, data: bytes, rules: ContributionRules | None = None) -> list[bytes]:
    return [record.digest for record in _records(media_type, data, rules)]


@pytest.mark.parametrize(
    ("media_type", "data", "count"),
    [
        ("text/plain", b"one\n\n  \ntwo\r\nthree", 3),
        ("text/csv", b'prompt,answer\nhi,hello\n"a,b",c\n', 2),
        ("text/csv", b'prompt,answer\n"multi\nline",x\n', 1),
        ("application/jsonl", b'{"a": 1}\n\n[2]\n', 2),
        ("application/json", b'{"rows": [1, 2, 3]}', 1),
        ("application/json", b'[{"a": 1}, {"a": 2}, 3]', 3),
        ("image/png", b"\x89PNG\r\n\x1a\n....", 1),
        ("image/jpeg", b"\xff\xd8\xff\xe0....", 1),
    ],
)
def test_records_validContent_yieldsEachRecord(media_type: str, data: bytes, count: int) -> None:
    assert len(_records(media_type, data)) == count


def test_records_whitespaceVariants_sameDigest() -> None:
    assert _digests("text/plain", b"a  b\n\t a b \n") == _digests("text/plain", b"a b\na b\n")


def test_records_caseVariants_sameDigestOnlyWhenRulesFoldCase() -> None:
    assert len(set(_digests("text/plain", b"Hello\nhello\nHELLO\n"))) == 3
    folded = _digests("text/plain", b"Hello\nhello\nHELLO\n", ContributionRules(case_insensitive=True))
    assert len(set(folded)) == 1


def test_records_csvColumnsReordered_sameDigests() -> None:
    assert _digests("text/csv", b"q,a\nhi, hello\n") == _digests("text/csv", b"a,q\nhello,hi\n")


def test_records_jsonKeyOrderAndSpacing_sameDigest() -> None:
    assert _digests("application/jsonl", b'{"a": 1, "b": "x  y"}\n') == _digests(
        "application/json", b'[{"b":"x y","a":1}]'
    )


def test_records_belowMinimumSize_notYielded() -> None:
    found = _records("text/plain", b"ab\nabcd\nabcdef\n", ContributionRules(min_record_bytes=4))
    assert [record.size for record in found] == [4, 6]


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
        ("application/json", b"[]", "the JSON array is empty"),
        ("image/png", b"GIF89a", "not a PNG image"),
    ],
)
def test_records_badContent_rejectsWithReason(media_type: str, data: bytes, reason: str) -> None:
    with pytest.raises(ContributionRejected, match=reason.replace("(", r"\(").replace(")", r"\)")):
        _records(media_type, data)


def test_records_allBelowMinimumSize_rejectsNamingTheMinimum() -> None:
    with pytest.raises(ContributionRejected, match="no record of at least 8 bytes"):
        _records("text/plain", b"a\nb\n", ContributionRules(min_record_bytes=8))
