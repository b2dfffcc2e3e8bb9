"""Operator API keys: created by a model's owner or named operator (signed in), shown once, stored hashed,
revocable, and honoured only while their creator still owns or operates the model."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import httpx
import pytest
from eth_account import Account
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from backend.chain.client import ChainClient
from backend.devchain import DevChain
from backend.models import Asset, ModelOperator, OperatorKey
from tests.backend.chain_actions import Platform

SignIn = Callable[..., dict[str, str]]
OwnerOf = Callable[..., dict[str, str]]


@pytest.fixture
def owner_of(api: httpx.Client, sign_in_owner: Callable[..., dict[str, str]]) -> OwnerOf:
    """``owner_of(*model_ids, account=None)``: signs in to ``api`` an account owning those models."""
    return lambda *model_ids, account=None: sign_in_owner(api, *model_ids, account=account)


def _create(api: httpx.Client, headers: dict[str, str], model_id: int = 7, **body: object) -> httpx.Response:
    return api.post("/v1/operator-keys", json={"model_id": model_id, **body}, headers=headers)


def test_create_key_shows_it_once(api: httpx.Client, owner_of: OwnerOf) -> None:
    account = Account.create()
    headers = owner_of(7, account=account)

    response = _create(api, headers, label="gateway eu-west")

    assert response.status_code == 201
    assert response.headers["cache-control"] == "no-store"
    created = response.json()
    assert created["key"].startswith("pvk_")
    assert created["prefix"] == created["key"][:12]
    assert (created["model_id"], created["owner"], created["label"]) == (
        7,
        account.address,
        "gateway eu-west",
    )
    assert created["revoked_at"] is None
    listed = api.get("/v1/operator-keys", headers=headers).json()
    assert [key["id"] for key in listed] == [created["id"]]
    assert "key" not in listed[0]


def test_create_key_stores_only_sha256(api: httpx.Client, app_engine: Engine, owner_of: OwnerOf) -> None:
    key = _create(api, owner_of(7)).json()["key"]

    with Session(app_engine) as session:
        stored = session.scalars(select(OperatorKey)).one()

    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"model_id": 0}, "body.model_id"),
        ({"model_id": 2**63}, "body.model_id"),  # beyond a 64-bit column: refused, not overflowed
        ({"model_id": "seven"}, "body.model_id"),
        ({"model_id": 1, "label": ""}, "body.label"),
        ({"model_id": 1, "label": "x" * 101}, "body.label"),
        ({}, "body.model_id"),
    ],
)
def test_create_key_invalid_body_is_422(
    api: httpx.Client, sign_in: SignIn, body: dict[str, object], field: str
) -> None:
    response = api.post("/v1/operator-keys", json=body, headers=sign_in(api))

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_create_key_without_session_is_401(api: httpx.Client) -> None:
    response = api.post("/v1/operator-keys", json={"model_id": 1})

    assert response.status_code == 401
    assert response.json()["type"] == "/problems/authentication-required"


@pytest.mark.parametrize("header", ["X-API-Key", "Authorization"])
def test_operator_key_authenticates_either_header(api: httpx.Client, owner_of: OwnerOf, header: str) -> None:
    created = _create(api, owner_of(42), model_id=42).json()
    value = created["key"] if header == "X-API-Key" else f"Bearer {created['key']}"

    response = api.get("/v1/operator-keys/current", headers={header: value})

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["model_id"]) == (created["id"], 42)


@pytest.mark.parametrize(
    ("headers", "name"),
    [
        ({}, "authentication-required"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "authentication-required"),
        ({"X-API-Key": "pvk_not-a-real-key"}, "invalid-api-key"),
        ({"X-API-Key": "no-prefix-at-all"}, "invalid-api-key"),
    ],
    ids=["none", "not-bearer", "unknown", "no-prefix"],
)
def test_operator_key_missing_or_unknown_is_401(
    api: httpx.Client, headers: dict[str, str], name: str
) -> None:
    response = api.get("/v1/operator-keys/current", headers=headers)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="provenant"'
    assert response.json()["type"] == f"/problems/{name}"


def test_operator_key_two_different_keys_is_401(api: httpx.Client, owner_of: OwnerOf) -> None:
    headers = owner_of(7)
    first, second = _create(api, headers).json()["key"], _create(api, headers).json()["key"]

    response = api.get(
        "/v1/operator-keys/current", headers={"X-API-Key": first, "Authorization": f"Bearer {second}"}
    )

    assert response.status_code == 401
    assert response.json()["type"] == "/problems/invalid-api-key"


def test_operator_key_session_token_is_not_a_key(api: httpx.Client, sign_in: SignIn) -> None:
    response = api.get("/v1/operator-keys/current", headers=sign_in(api))

    assert response.status_code == 401
    assert response.json()["type"] == "/problems/invalid-api-key"


def test_revoke_key_stops_it_at_once_and_keeps_record(api: httpx.Client, owner_of: OwnerOf) -> None:
    headers = owner_of(7)
    created = _create(api, headers).json()

    response = api.delete(f"/v1/operator-keys/{created['id']}", headers=headers)

    assert response.status_code == 204
    rejected = api.get("/v1/operator-keys/current", headers={"X-API-Key": created["key"]})
    assert rejected.status_code == 401
    (listed,) = api.get("/v1/operator-keys", headers=headers).json()
    assert listed["revoked_at"] is not None
    assert api.delete(f"/v1/operator-keys/{created['id']}", headers=headers).status_code == 204


def test_revoke_key_of_another_address_is_404(api: httpx.Client, sign_in: SignIn, owner_of: OwnerOf) -> None:
    owner, stranger = owner_of(7), sign_in(api)
    created = _create(api, owner).json()

    response = api.delete(f"/v1/operator-keys/{created['id']}", headers=stranger)

    assert response.status_code == 404
    assert response.json()["type"] == "/problems/not-found"
    assert api.get("/v1/operator-keys/current", headers={"X-API-Key": created["key"]}).status_code == 200


@pytest.mark.parametrize("key_id", ["0", str(2**63)])
def test_revoke_key_id_out_of_range_is_422(api: httpx.Client, sign_in: SignIn, key_id: str) -> None:
    response = api.delete(f"/v1/operator-keys/{key_id}", headers=sign_in(api))

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "path.key_id"


@pytest.mark.parametrize("key_id", ["abc", "-1"])
def test_revoke_key_id_not_a_number_is_404(api: httpx.Client, sign_in: SignIn, key_id: str) -> None:
    response = api.delete(f"/v1/operator-keys/{key_id}", headers=sign_in(api))

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_list_keys_shows_only_own_newest_first(api: httpx.Client, owner_of: OwnerOf) -> None:
    mine, theirs = owner_of(1, 3), owner_of(2)
    first = _create(api, mine, model_id=1).json()["id"]
    _create(api, theirs, model_id=2)
    second = _create(api, mine, model_id=3).json()["id"]

    listed = api.get("/v1/operator-keys", headers=mine).json()

    assert [key["id"] for key in listed] == [second, first]


# --- who may meter ------------------------------------------------------------------------------------------


def test_create_key_forModelOfAnother_is403NamingTheRule(
    api: httpx.Client, sign_in: SignIn, owner_of: OwnerOf, app_engine: Engine
) -> None:
    """The attack: a brand-new wallet asks for a usage key of a model it does not own."""
    owner_of(7)
    with Session(app_engine) as session:
        session.add(
            Asset(id=8, kind="dataset", owner=Account.create().address, manifest_cid="Qm", registered_block=1)
        )
        session.commit()
    attacker = sign_in(api)

    for model_id in (7, 8, 99):  # someone else's model, a dataset, a model nobody registered
        response = _create(api, attacker, model_id=model_id)

        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["type"] == "/problems/not-model-operator"
        assert f"Only model {model_id}'s owner, or an operator its owner named on chain" in problem["detail"]
    with Session(app_engine) as session:
        assert session.scalars(select(OperatorKey)).all() == []


def test_create_key_byNamedOperator_isCreatedAndStopsWhenRemoved(
    api: httpx.Client, sign_in: SignIn, owner_of: OwnerOf, app_engine: Engine
) -> None:
    owner_of(7)
    operator = Account.create()
    with Session(app_engine) as session:
        session.add(ModelOperator(model_id=7, operator=operator.address))
        session.commit()

    created = _create(api, sign_in(api, operator)).json()
    key = {"X-API-Key": created["key"]}
    assert api.get("/v1/operator-keys/current", headers=key).status_code == 200

    with Session(app_engine) as session:
        session.delete(session.get_one(ModelOperator, (7, operator.address)))
        session.commit()
    assert api.get("/v1/operator-keys/current", headers=key).json()["type"] == "/problems/invalid-api-key"


def test_key_ofModelThatChangedHands_stopsWorking(
    api: httpx.Client, owner_of: OwnerOf, app_engine: Engine
) -> None:
    key = {"X-API-Key": _create(api, owner_of(7)).json()["key"]}
    with Session(app_engine) as session:
        session.get_one(Asset, 7).owner = Account.create().address
        session.commit()

    response = api.get("/v1/operator-keys/current", headers=key)

    assert response.status_code == 401
    assert response.json()["type"] == "/problems/invalid-api-key"


def test_operatorNamedOnChain_createsKey_untilTheModelIsSold(
    make_api: Callable[..., httpx.Client],
    sign_in: SignIn,
    platform: Platform,
    isolated_chain: DevChain,
    client: ChainClient,
    index: Callable[[], None],
) -> None:
    """End to end: setModelOperator on chain, indexed, honoured; the model's transfer ends it."""
    api = make_api(rpc_url=isolated_chain.rpc_url, manifest_path=isolated_chain.manifest_path)
    owner, buyer = isolated_chain.addresses[1], isolated_chain.addresses[3]
    operator = Account.from_key(isolated_chain.private_keys[2])
    model_id = platform.register_model(owner)
    registry = client.contract("AssetRegistry")
    index()
    assert _create(api, sign_in(api, operator), model_id=model_id).status_code == 403

    platform.transact(registry.functions.setModelOperator(model_id, operator.address, True), owner)
    index()
    key = {"X-API-Key": _create(api, sign_in(api, operator), model_id=model_id).json()["key"]}
    assert api.get("/v1/operator-keys/current", headers=key).status_code == 200

    platform.transact(registry.functions.transferFrom(owner, buyer, model_id), owner)
    index()
    assert api.get("/v1/operator-keys/current", headers=key).status_code == 401
    assert _create(api, sign_in(api, operator), model_id=model_id).status_code == 403
