"""Contributions on the real local content store and both databases."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from backend.domain.contribution_rules import ContributionRejected, ContributionRules
from backend.domain.epochs import EpochClock
from backend.models.assets import Asset
from backend.models.contributions import Contribution, ContributionRecord, ContributionStatus
from backend.services.contributions import (
    UnknownContributionError,
    accepted_weights,
    review_contribution,
    submit_contribution,
)
from backend.services.dataset_rules import set_rules
from backend.storage import CorruptBlockError, LocalContentStore

ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
BOB = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
CURATOR = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
LIMIT = 1 << 20
# One long epoch around the test run: the per-epoch cap's window is the whole test.
CLOCK = EpochClock(genesis=int(time.time()) - 60, length=10**9)


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


def _review(
    factory: sessionmaker[Session], store: LocalContentStore, contribution_id: int, clock: EpochClock = CLOCK
):
    with factory() as session:
        return review_contribution(
            session=session, store=store, contribution_id=contribution_id, max_bytes=LIMIT, clock=clock
        )


def _contribute(
    factory: sessionmaker[Session], store: LocalContentStore, data: bytes, **overrides: object
) -> Contribution:
    return _review(factory, store, _submit(factory, store, data, **overrides))


def _set_rules(factory: sessionmaker[Session], **rules: object) -> None:
    with factory() as session:
        if session.get(Asset, 1) is None:
            session.add(Asset(id=1, kind="dataset", owner=CURATOR, manifest_cid="Qm", registered_block=1))
            session.commit()
        set_rules(session=session, dataset_id=1, caller=CURATOR, rules=ContributionRules(**rules))  # type: ignore[arg-type]


def _stored_records(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(ContributionRecord)) or 0


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


def test_reviewContribution_fileOfOneRepeatedLine_earnsOneRecord(session_factory, store) -> None:
    padded = _contribute(session_factory, store, b"a\n" * 200_000)
    assert (padded.status, padded.weight) == (ContributionStatus.ACCEPTED, 1)
    assert padded.reason == (
        "1 of the file's 200000 records are new; the others are already in this dataset or repeat within "
        "the file"
    )


def test_reviewContribution_reorderedCopyByAnother_rejectedAsNoNewRecord(session_factory, store) -> None:
    _contribute(session_factory, store, b"one\ntwo\nthree\n")
    copy = _contribute(session_factory, store, b"three\none\ntwo\n", contributor=BOB)
    assert (copy.status, copy.weight) == (ContributionStatus.REJECTED, 0)
    assert copy.reason == (
        "no new record: all 3 of the file's records are already in this dataset (or repeat within the file)"
    )
    with session_factory() as session:
        assert accepted_weights(session=session, dataset_id=1) == {ALICE: 3}


def test_reviewContribution_supersetOfAnothersFile_earnsOnlyItsNewRecords(session_factory, store) -> None:
    _contribute(session_factory, store, b"one\ntwo\n")
    superset = _contribute(session_factory, store, b"two\nthree\none\nfour\n", contributor=BOB)
    assert (superset.status, superset.weight) == (ContributionStatus.ACCEPTED, 2)
    with session_factory() as session:
        assert accepted_weights(session=session, dataset_id=1) == {ALICE: 2, BOB: 2}
    assert _stored_records(session_factory) == 4


def test_reviewContribution_whitespaceVariants_rejectedAsNoNewRecord(session_factory, store) -> None:
    _contribute(session_factory, store, b"the cat sat\non the mat\n")
    variant = _contribute(session_factory, store, b"  the  cat\tsat \r\non the mat   \n\n", contributor=BOB)
    assert (variant.status, variant.weight) == (ContributionStatus.REJECTED, 0)


def test_reviewContribution_caseVariants_earnOnlyWhenTheRulesKeepCase(session_factory, store) -> None:
    _contribute(session_factory, store, b"hello\n")
    assert _contribute(session_factory, store, b"HELLO\n", contributor=BOB).weight == 1
    _set_rules(session_factory, case_insensitive=True)
    folded = _contribute(session_factory, store, b"World\n")
    assert _contribute(session_factory, store, b"WORLD\nworld\n", contributor=BOB).status == (
        ContributionStatus.REJECTED
    )
    assert folded.weight == 1


def test_reviewContribution_csvWithColumnsReordered_rejectedAsNoNewRecord(session_factory, store) -> None:
    csv = {"media_type": "text/csv", "filename": "x.csv"}
    _contribute(session_factory, store, b"q,a\nhi,hello\nbye,ciao\n", **csv)
    reordered = _contribute(session_factory, store, b"a,q\nciao,bye\nhello,hi\n", contributor=BOB, **csv)
    assert reordered.status == ContributionStatus.REJECTED


def test_reviewContribution_perEpochCap_capsWeightThenRejectsUntilNextEpoch(session_factory, store) -> None:
    _set_rules(session_factory, max_weight_per_epoch=3)
    first = _contribute(session_factory, store, b"a\nb\nc\nd\ne\n")
    assert (first.status, first.weight) == (ContributionStatus.ACCEPTED, 3)
    assert (
        first.reason is not None and "cap of 3 records per contributor this epoch is reached" in first.reason
    )
    second = _contribute(session_factory, store, b"f\n")
    assert (second.status, second.weight) == (ContributionStatus.REJECTED, 0)
    assert second.reason == (
        "you have reached this dataset's cap of 3 records per contributor this epoch; contribute the file "
        "again next epoch"
    )
    # The records past Alice's cap were not claimed: Bob (whose cap is his own) earns them.
    assert _contribute(session_factory, store, b"d\ne\n", contributor=BOB).weight == 2
    next_epoch = EpochClock(genesis=int(time.time()) + 1, length=10**9)
    time.sleep(1.1)
    assert _review(session_factory, store, _submit(session_factory, store, b"f\n"), next_epoch).weight == 1
    with session_factory() as session:
        assert accepted_weights(session=session, dataset_id=1) == {ALICE: 4, BOB: 2}


def test_reviewContribution_minimumRecordSize_shortRecordsEarnNothing(session_factory, store) -> None:
    _set_rules(session_factory, min_record_bytes=8)
    mixed = _contribute(session_factory, store, b"a\nb\nlong enough\n")
    assert (mixed.status, mixed.weight) == (ContributionStatus.ACCEPTED, 1)
    short = _contribute(session_factory, store, b"x\ny\nz\n")
    assert short.status == ContributionStatus.REJECTED
    assert short.reason == (
        "no record of at least 8 bytes (the dataset's minimum record size); the file's 3 records are all "
        "shorter"
    )


def test_reviewContribution_rejectedAfterSomeRecords_claimsNone(session_factory, store) -> None:
    csv = {"media_type": "text/csv", "filename": "x.csv"}
    bad = _contribute(session_factory, store, b"q,a\nhi,hello\nbroken\n", **csv)
    assert bad.status == ContributionStatus.REJECTED
    assert _stored_records(session_factory) == 0
    assert _contribute(session_factory, store, b"q,a\nhi,hello\n", contributor=BOB, **csv).weight == 1


def test_reviewContribution_fileOfManyBatches_countsEveryDistinctRecord(session_factory, store) -> None:
    data = b"".join(b"record %06d\n" % number for number in range(70_000))  # ~0.9 MiB, 140 batches
    big = _contribute(session_factory, store, data + data[: 14 * 1000])
    assert (big.status, big.weight) == (ContributionStatus.ACCEPTED, 70_000)
    assert _stored_records(session_factory) == 70_000


def test_reviewContribution_overlappingFilesReviewedAtOnce_eachRecordEarnedOnce(
    session_factory, store
) -> None:
    shared = b"".join(b"shared %05d\n" % number for number in range(5_000))
    files = {ALICE: shared + b"alice only\n", BOB: b"bob only\n" + shared}
    ids = [_submit(session_factory, store, data, contributor=who) for who, data in files.items()]
    start = threading.Barrier(len(ids))
    outcomes: list[Contribution] = []

    def review(contribution_id: int) -> None:
        start.wait()
        outcomes.append(_review(session_factory, store, contribution_id))

    threads = [threading.Thread(target=review, args=(contribution_id,)) for contribution_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcome.weight for outcome in outcomes) == [1, 5_001]
    assert _stored_records(session_factory) == 5_002
