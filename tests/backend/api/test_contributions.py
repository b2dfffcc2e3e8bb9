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
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from backend.models.assets import Asset
from backend.services.contributions import review_contribution
from backend.storage import LocalContentStore

DATASET = 3
HELLO_CID = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"  # `ipfs add` of "hello world\n"


@pytest.fixture
def dataset(app_engine: Engine) -> int:
    with Session(app_engine) as session:
        session.add(
            Asset(
                id=DATASET,
                kind="dataset",
                owner=Account.create().address,
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
        review_contribution(session=session, store=store, contribution_id=created["id"], max_bytes=1 << 20)
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
