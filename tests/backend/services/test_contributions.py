"""Contributions on the real local content store and both databases."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from backend.domain.contribution_rules import ContributionRejected
from backend.models.contributions import Contribution, ContributionStatus
from backend.services.contributions import (
    UnknownContributionError,
    accepted_weights,
    review_contribution,
    submit_contribution,
)
from backend.storage import CorruptBlockError, LocalContentStore

ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
BOB = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
LIMIT = 1 << 20


@pytest.fixture
def store(tmp_path: Path) -> LocalContentStore:
    return LocalContentStore(root=tmp_path / "ipfs")


def _submit(
    factory: sessionmaker[Session], store: LocalContentStore, data: bytes, **overrides: object
) -> int:
    fields: dict = {"dataset_id": 1, "contributor": ALICE, "filename": "f.txt", "media_type": "text/plain"}
    fields.update(overrides)
    with factory() as session:
        return submit_contribution(
            session=session, store=store, stream=io.BytesIO(data), max_bytes=LIMIT, **fields
        ).id


def _review(factory: sessionmaker[Session], store: LocalContentStore, contribution_id: int):
    with factory() as session:
        return review_contribution(
            session=session, store=store, contribution_id=contribution_id, max_bytes=LIMIT
        )


def test_submitContribution_storesFileUnderItsCid(session_factory: sessionmaker[Session], store) -> None:
    contribution_id = _submit(session_factory, store, b"hello world\n")
    with session_factory() as session:
        contribution = session.get_one(Contribution, contribution_id)
        assert contribution.cid == "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"
        assert (contribution.size, contribution.status) == (12, ContributionStatus.PENDING)
    assert store.get(cid="QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o") == b"hello world\n"


def test_reviewContribution_validFile_acceptsWithRecordWeight(session_factory, store) -> None:
    contribution = _review(session_factory, store, _submit(session_factory, store, b"a\nb\n\nc\n"))
    assert (contribution.status, contribution.weight, contribution.reason) == (
        ContributionStatus.ACCEPTED,
        3,
        None,
    )
    with session_factory() as session:
        assert accepted_weights(session=session, dataset_id=1) == {ALICE: 3}


def test_reviewContribution_twice_keepsFirstVerdict(session_factory, store) -> None:
    contribution_id = _submit(session_factory, store, b"a\n")
    first = _review(session_factory, store, contribution_id)
    second = _review(session_factory, store, contribution_id)
    assert first.status == second.status == ContributionStatus.ACCEPTED
    assert first.reviewed_at == second.reviewed_at


def test_reviewContribution_sameFileAgainInDataset_rejectedNamingOriginal(session_factory, store) -> None:
    original = _submit(session_factory, store, b"row\n")
    copy = _submit(session_factory, store, b"row\n", contributor=BOB)
    other_dataset = _submit(session_factory, store, b"row\n", contributor=BOB, dataset_id=2)
    _review(session_factory, store, original)

    duplicate = _review(session_factory, store, copy)
    assert duplicate.status == ContributionStatus.REJECTED
    assert duplicate.duplicate_of == original
    assert duplicate.reason == f"duplicate of contribution {original} ({duplicate.cid})"
    assert duplicate.cid == str(store.put(data=b"row\n"))
    assert _review(session_factory, store, other_dataset).status == ContributionStatus.ACCEPTED


def test_reviewContribution_invalidContent_rejectedWithReason(session_factory, store) -> None:
    contribution_id = _submit(session_factory, store, b"a,b\n1\n", media_type="text/csv", filename="x.csv")
    contribution = _review(session_factory, store, contribution_id)
    assert contribution.status == ContributionStatus.REJECTED
    assert contribution.reason == "CSV row 2 has 1 fields, the header has 2"
    with session_factory() as session:
        assert accepted_weights(session=session, dataset_id=1) == {}


def test_reviewContribution_corruptedBlock_raisesAndStaysPending(session_factory, store) -> None:
    contribution_id = _submit(session_factory, store, b"hello world\n")
    for block in (store.root / "blocks").rglob("*"):
        if block.is_file():
            block.write_bytes(block.read_bytes()[:-1] + b"!")
    with pytest.raises(CorruptBlockError):
        _review(session_factory, store, contribution_id)
    with session_factory() as session:
        assert accepted_weights(session=session, dataset_id=1) == {}


@pytest.mark.parametrize(
    ("data", "media_type", "reason"),
    [
        (b"", "text/plain", "the file is empty"),
        (b"x" * (LIMIT + 1), "text/plain", "more than 1048576 bytes"),
        (b"%PDF-1.7", "application/pdf", "unsupported media type"),
    ],
)
def test_submitContribution_badUpload_rejectedAndNothingRecorded(
    session_factory, store, data, media_type, reason
):
    existing = _submit(session_factory, store, b"kept\n")
    with pytest.raises(ContributionRejected, match=reason):
        _submit(session_factory, store, data, media_type=media_type)
    assert _review(session_factory, store, existing).status == ContributionStatus.ACCEPTED


def test_reviewContribution_unknownId_raises(session_factory, store) -> None:
    with pytest.raises(UnknownContributionError, match="no contribution 42"):
        _review(session_factory, store, 42)
