"""Contributions over HTTP: upload to the content store, clear refusals, and the review's outcome.

The dataset is a row of the assets read model, as the indexer writes it from DatasetRegistered (the
projection is tested against real transactions in tests/backend/services/test_projections.py); the review
runs the service the worker's task calls.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from backend.domain.epochs import EpochClock
from backend.models.assets import Asset
from backend.services.contributions import review_contribution
from backend.storage import LocalContentStore

DATASET = 3
HELLO_CID = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"  # `ipfs add` of "hello world\n"
CLOCK = EpochClock(genesis=0, length=10**10)  # one epoch over the whole test


@pytest.fixture
def curator() -> LocalAccount:
    return Account.create()


@pytest.fixture
def dataset(app_engine: Engine, curator: LocalAccount) -> int:
    with Session(app_engine) as session:
        session.add(
            Asset(
                id=DATASET,
                kind="dataset",
                owner=curator.address,
                manifest_cid="QmD",
                registered_block=1,
            )
        )
        session.commit()
    return DATASET


def _upload(
    api: httpx.Client,
    headers: dict[str, str],
    data: bytes,
    media_type: str = "text/plain",
    dataset: int = DATASET,
):
    return api.post(
        "/v1/contributions",
        data={"dataset_id": str(dataset)},
        files={"file": ("rows.txt", data, media_type)},
        headers=headers,
    )


def test_contribute_textFile_storedUnderCidAndAcceptedOnReview(
    api: httpx.Client,
    sign_in: Callable[..., dict[str, str]],
    dataset: int,
    app_engine: Engine,
    tmp_path: Path,
) -> None:
    account = Account.create()
    response = _upload(api, sign_in(api, account), b"hello world\n")

    assert response.status_code == 201
    created = response.json()
    assert (created["cid"], created["status"], created["contributor"]) == (
        HELLO_CID,
        "pending",
        account.address,
    )
    assert created["cid_v1"].startswith("bafy")
    store = LocalContentStore(root=tmp_path / "ipfs")  # the test settings' data dir
    assert store.get(cid=HELLO_CID) == b"hello world\n"

    with Session(app_engine) as session:
        review_contribution(
            session=session, store=store, contribution_id=created["id"], max_bytes=1 << 20, clock=CLOCK
        )
    reviewed = api.get(f"/v1/contributions/{created['id']}").json()
    assert (reviewed["status"], reviewed["weight"]) == ("accepted", 1)
    listed = api.get("/v1/contributions", params={"contributor": account.address}).json()
    assert [c["id"] for c in listed] == [created["id"]]


@pytest.mark.parametrize(
    ("data", "media_type", "status", "detail"),
    [
        (b"", "text/plain", 422, "the file is empty"),
        (b"%PDF-1.7", "application/pdf", 415, "unsupported media type 'application/pdf'"),
        (b"x" * 2_000, "text/plain", 413, "more than 1000 bytes"),
    ],
)
def test_contribute_badFile_clearProblemAndNothingRecorded(
    make_api, sign_in, dataset: int, data: bytes, media_type: str, status: int, detail: str
) -> None:
    api = make_api(max_upload_size=1_000)
    headers = sign_in(api)
    kept = _upload(api, headers, b"kept\n").json()

    response = _upload(api, headers, data, media_type)

    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    assert detail in response.json()["detail"]
    assert [c["id"] for c in api.get("/v1/contributions").json()] == [kept["id"]]


def test_contribute_unknownDataset_404(api: httpx.Client, sign_in, dataset: int) -> None:
    response = _upload(api, sign_in(api), b"x\n", dataset=99)
    assert response.status_code == 404
    assert response.json()["detail"] == "Dataset 99 is not registered (or not indexed yet)."


def test_contribute_signedOut_401(api: httpx.Client, dataset: int) -> None:
    assert _upload(api, {}, b"x\n").status_code == 401


def test_listContributions_badAddress_422(api: httpx.Client) -> None:
    response = api.get("/v1/contributions", params={"contributor": "0x123"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.contributor"


def _review(app_engine: Engine, tmp_path: Path, contribution_id: int) -> None:
    with Session(app_engine) as session:
        review_contribution(
            session=session,
            store=LocalContentStore(root=tmp_path / "ipfs"),
            contribution_id=contribution_id,
            max_bytes=1 << 20,
            clock=CLOCK,
        )


def _contribute(api: httpx.Client, headers: dict[str, str], data: bytes, app_engine: Engine, tmp_path: Path):
    created = _upload(api, headers, data).json()
    _review(app_engine, tmp_path, created["id"])
    return api.get(f"/v1/contributions/{created['id']}").json()


def test_contribute_anothersLinesReorderedPlusOne_earnsOnlyTheNewLine(
    api: httpx.Client, sign_in, dataset: int, app_engine: Engine, tmp_path: Path
) -> None:
    first = _contribute(api, sign_in(api), b"alpha\nbeta\n", app_engine, tmp_path)
    superset = _contribute(api, sign_in(api), b"BETA \n  alpha\ngamma\nalpha\n", app_engine, tmp_path)
    copy = _contribute(api, sign_in(api), b"beta\nalpha\n", app_engine, tmp_path)

    assert (first["status"], first["weight"]) == ("accepted", 2)
    # Case is kept by default: "BETA" is a record of its own.
    assert (superset["status"], superset["weight"]) == ("accepted", 2)
    assert superset["reason"] == (
        "2 of the file's 4 records are new; the others are already in this dataset or repeat within the file"
    )
    assert (copy["status"], copy["weight"]) == ("rejected", 0)
    assert copy["reason"].startswith("no new record: all 2 of the file's records are already in this dataset")


def test_getDatasetRules_neverSet_defaults(api: httpx.Client, dataset: int) -> None:
    response = api.get(f"/v1/datasets/{dataset}/rules")
    assert response.status_code == 200
    assert response.json() == {
        "dataset_id": dataset,
        "case_insensitive": False,
        "min_record_bytes": 1,
        "max_weight_per_epoch": None,
        "updated_by": None,
        "updated_at": None,
    }


def test_putDatasetRules_byCurator_appliesToLaterReviews(
    api: httpx.Client, sign_in, curator: LocalAccount, dataset: int, app_engine: Engine, tmp_path: Path
) -> None:
    rules = {"case_insensitive": True, "min_record_bytes": 3, "max_weight_per_epoch": 2}
    response = api.put(f"/v1/datasets/{dataset}/rules", json=rules, headers=sign_in(api, curator))
    assert response.status_code == 200
    assert response.json()["updated_by"] == curator.address
    stored = api.get(f"/v1/datasets/{dataset}/rules").json()
    assert {name: stored[name] for name in rules} == rules

    contributor = sign_in(api)
    capped = _contribute(api, contributor, b"ab\nOne\none\ntwo\nthree\n", app_engine, tmp_path)
    assert (capped["status"], capped["weight"]) == ("accepted", 2)  # "ab" is short, "One" = "one", cap 2
    over = _contribute(api, contributor, b"four\n", app_engine, tmp_path)
    assert (over["status"], over["weight"]) == ("rejected", 0)
    assert "cap of 2 records per contributor this epoch" in over["reason"]


def test_putDatasetRules_notTheCurator_403(
    api: httpx.Client, sign_in, curator: LocalAccount, dataset: int
) -> None:
    response = api.put(f"/v1/datasets/{dataset}/rules", json={"min_record_bytes": 5}, headers=sign_in(api))
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/not-curator"
    assert curator.address in response.json()["detail"]
    assert api.get(f"/v1/datasets/{dataset}/rules").json()["min_record_bytes"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"min_record_bytes": 0}, "body.min_record_bytes"),
        ({"min_record_bytes": "big"}, "body.min_record_bytes"),
        ({"max_weight_per_epoch": 0}, "body.max_weight_per_epoch"),
        ({"max_weight_per_epoch": 2**63}, "body.max_weight_per_epoch"),
        ({"case_insensitive": "sometimes"}, "body.case_insensitive"),
        ({"max_records": 5}, "body.max_records"),
    ],
)
def test_putDatasetRules_badValue_422NamingTheField(
    api: httpx.Client, sign_in, curator: LocalAccount, dataset: int, body: dict, field: str
) -> None:
    response = api.put(f"/v1/datasets/{dataset}/rules", json=body, headers=sign_in(api, curator))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_putDatasetRules_signedOutOrUnknownDataset_401Or404(api: httpx.Client, sign_in, dataset: int) -> None:
    assert api.put(f"/v1/datasets/{dataset}/rules", json={}).status_code == 401
    assert api.put("/v1/datasets/99/rules", json={}, headers=sign_in(api)).status_code == 404
    assert api.get("/v1/datasets/99/rules").status_code == 404
