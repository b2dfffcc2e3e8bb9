"""Sign-In with Ethereum over HTTP, with messages signed by real keys: each way to fail is a clear 4xx."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from backend.core.security import hash_session_token
from backend.core.settings import DEVELOPMENT_SESSION_SECRET
from backend.models import AuthSession, SignInNonce

Sign = Callable[[LocalAccount, str], str]
SiweText = Callable[..., str]


def _nonce(api: httpx.Client) -> str:
    return api.get("/v1/auth/nonce").json()["nonce"]


def _login(api: httpx.Client, message: str, signature: str) -> httpx.Response:
    return api.post("/v1/auth/login", json={"message": message, "signature": signature})


def _assert_problem(response: httpx.Response, status: int, name: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == f"/problems/{name}"
    assert problem["status"] == status
    return problem


def test_nonce_returns_what_the_message_must_say(api: httpx.Client) -> None:
    response = api.get("/v1/auth/nonce")

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    challenge = response.json()
    assert (challenge["domain"], challenge["uri"], challenge["chain_id"]) == (
        "localhost:8000",
        "http://localhost:8000",
        31337,
    )
    assert challenge["nonce"].isalnum()
    assert len(challenge["nonce"]) >= 8  # EIP-4361's minimum
    lifetime = datetime.fromisoformat(challenge["expires_at"]) - datetime.now(UTC)
    assert timedelta(minutes=9) < lifetime <= timedelta(minutes=10)
    assert _nonce(api) != challenge["nonce"]


def test_login_signed_message_opens_session(api: httpx.Client, siwe_text: SiweText, sign: Sign) -> None:
    account = Account.create()
    message = siwe_text(account.address, _nonce(api))

    response = _login(api, message, sign(account, message))

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    session = response.json()
    assert session["token"].startswith("pvs_")
    assert (session["token_type"], session["address"]) == ("bearer", account.address)
    lifetime = datetime.fromisoformat(session["expires_at"]) - datetime.now(UTC)
    assert timedelta(hours=23) < lifetime <= timedelta(hours=24)
    me = api.get("/v1/auth/me", headers={"Authorization": f"Bearer {session['token']}"})
    assert me.status_code == 200
    assert me.json() == {"address": account.address, "expires_at": session["expires_at"]}


def test_login_message_expiration_bounds_session(api: httpx.Client, siwe_text: SiweText, sign: Sign) -> None:
    account = Account.create()
    message_expiry = (datetime.now(UTC) + timedelta(minutes=5)).replace(microsecond=0)
    message = siwe_text(account.address, _nonce(api), expiration_time=message_expiry)

    response = _login(api, message, sign(account, message))

    assert response.status_code == 200
    assert datetime.fromisoformat(response.json()["expires_at"]) == message_expiry


def test_login_stores_only_keyed_hash_of_token(
    api: httpx.Client, app_engine: Engine, siwe_text: SiweText, sign: Sign
) -> None:
    account = Account.create()
    message = siwe_text(account.address, _nonce(api))
    token = _login(api, message, sign(account, message)).json()["token"]

    with Session(app_engine) as session:
        stored = session.scalars(select(AuthSession)).one()

    assert stored.token_hash == hash_session_token(token, DEVELOPMENT_SESSION_SECRET)
    assert stored.address == account.address


@pytest.mark.parametrize(
    ("fields", "name"),
    [
        ({"domain": "evil.example"}, "siwe-domain-mismatch"),
        ({"uri": "http://localhost:8000/elsewhere"}, "siwe-uri-mismatch"),
        ({"chain_id": 1}, "siwe-chain-mismatch"),
        # Times are offsets from the moment the test runs.
        ({"expiration_time": timedelta(seconds=-1)}, "siwe-expired"),
        ({"not_before": timedelta(minutes=5)}, "siwe-not-yet-valid"),
        ({"issued_at": timedelta(minutes=5)}, "siwe-not-yet-valid"),
    ],
    ids=["wrong-domain", "wrong-uri", "wrong-chain", "expired", "not-before", "issued-in-future"],
)
def test_login_message_for_elsewhere_or_another_time_is_401(
    api: httpx.Client, siwe_text: SiweText, sign: Sign, fields: dict[str, Any], name: str
) -> None:
    account = Account.create()
    nonce = _nonce(api)
    now = datetime.now(UTC)
    fields = {k: now + v if isinstance(v, timedelta) else v for k, v in fields.items()}
    message = siwe_text(account.address, nonce, **fields)

    problem = _assert_problem(_login(api, message, sign(account, message)), 401, name)

    assert problem["title"] == "Sign-in rejected"
    # A rejected message does not use up the nonce: the right message still signs in with it.
    valid = siwe_text(account.address, nonce)
    assert _login(api, valid, sign(account, valid)).status_code == 200


def test_login_with_scheme_of_another_origin_is_401(
    api: httpx.Client, siwe_text: SiweText, sign: Sign
) -> None:
    account = Account.create()
    message = "https://" + siwe_text(account.address, _nonce(api))  # the service is on http://

    _assert_problem(_login(api, message, sign(account, message)), 401, "siwe-domain-mismatch")


def test_login_signature_by_another_key_is_401(api: httpx.Client, siwe_text: SiweText, sign: Sign) -> None:
    claimed, signer = Account.create(), Account.create()
    message = siwe_text(claimed.address, _nonce(api))

    problem = _assert_problem(_login(api, message, sign(signer, message)), 401, "siwe-bad-signature")

    assert claimed.address in problem["detail"]


def test_login_signature_of_another_message_is_401(
    api: httpx.Client, siwe_text: SiweText, sign: Sign
) -> None:
    account = Account.create()
    nonce = _nonce(api)
    signed = siwe_text(account.address, nonce, chain_id=1)

    _assert_problem(
        _login(api, siwe_text(account.address, nonce), sign(account, signed)), 401, "siwe-bad-signature"
    )


@pytest.mark.parametrize(
    "signature",
    [
        "0x" + "00" * 65,
        "0x" + "ff" * 65,
        "0x" + "11" * 64 + "00",  # v = 0
        "0x" + "11" * 64 + "25",  # v = 37, EIP-155 style
        "0x" + "11" * 32 + "ff" * 32 + "1b",  # s above the curve order
    ],
    ids=["zeros", "ones", "v0", "v37", "high-s"],
)
def test_login_unrecoverable_signature_is_401(api: httpx.Client, siwe_text: SiweText, signature: str) -> None:
    message = siwe_text(Account.create().address, _nonce(api))

    _assert_problem(_login(api, message, signature), 401, "siwe-bad-signature")


def test_login_reused_nonce_is_401(api: httpx.Client, siwe_text: SiweText, sign: Sign) -> None:
    account = Account.create()
    message = siwe_text(account.address, _nonce(api))
    signature = sign(account, message)
    assert _login(api, message, signature).status_code == 200

    _assert_problem(_login(api, message, signature), 401, "siwe-nonce-used")


def test_login_unknown_nonce_is_401(api: httpx.Client, siwe_text: SiweText, sign: Sign) -> None:
    account = Account.create()
    message = siwe_text(account.address, "NeverIssuedByTheServer1")

    _assert_problem(_login(api, message, sign(account, message)), 401, "siwe-nonce-unknown")


def test_login_expired_nonce_is_401(
    api: httpx.Client, app_engine: Engine, siwe_text: SiweText, sign: Sign
) -> None:
    account = Account.create()
    nonce = _nonce(api)
    with app_engine.begin() as connection:
        connection.execute(
            update(SignInNonce).where(SignInNonce.nonce == nonce).values(expires_at=datetime.now(UTC))
        )
    message = siwe_text(account.address, nonce)

    _assert_problem(_login(api, message, sign(account, message)), 401, "siwe-nonce-expired")


def test_login_same_nonce_concurrently_opens_one_session(
    api: httpx.Client, siwe_text: SiweText, sign: Sign
) -> None:
    account = Account.create()
    message = siwe_text(account.address, _nonce(api))
    signature = sign(account, message)

    with ThreadPoolExecutor(max_workers=4) as pool:
        responses = list(pool.map(lambda _: _login(api, message, signature), range(4)))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 401, 401, 401]
    for response in responses:
        if response.status_code == 401:
            assert response.json()["type"] == "/problems/siwe-nonce-used"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda text, address: "hello",
        lambda text, address: text.replace(address, address.lower()),  # not EIP-55
        lambda text, address: text.replace("\n", "\r\n"),
        lambda text, address: text.replace("Version: 1", "Version: 2"),
        lambda text, address: text.split("\nIssued At")[0],
        lambda text, address: text + "\nUnknown Field: x",
    ],
    ids=["not-siwe", "lowercase-address", "crlf", "version-2", "no-issued-at", "extra-line"],
)
def test_login_malformed_message_is_422(
    api: httpx.Client, siwe_text: SiweText, sign: Sign, mangle: Callable[[str, str], str]
) -> None:
    account = Account.create()
    message = mangle(siwe_text(account.address, _nonce(api)), account.address)

    problem = _assert_problem(_login(api, message, sign(account, message)), 422, "siwe-malformed")

    assert problem["title"] == "Malformed sign-in message"


def test_login_oversized_message_is_422(api: httpx.Client, sign: Sign) -> None:
    account = Account.create()
    message = "x" * 4097

    problem = _assert_problem(_login(api, message, sign(account, message)), 422, "validation-error")

    assert problem["errors"][0]["field"] == "body.message"


def test_me_without_token_is_401_with_challenge(api: httpx.Client) -> None:
    response = api.get("/v1/auth/me")

    _assert_problem(response, 401, "authentication-required")
    assert response.headers["www-authenticate"] == 'Bearer realm="provenant"'


@pytest.mark.parametrize("token", ["pvs_unknown", "not-even-a-token"])
def test_me_unknown_token_is_401(api: httpx.Client, token: str) -> None:
    response = api.get("/v1/auth/me", headers={"Authorization": f"Bearer {token}"})

    _assert_problem(response, 401, "invalid-session")


def test_me_expired_session_is_401(
    api: httpx.Client, app_engine: Engine, sign_in: Callable[..., dict]
) -> None:
    headers = sign_in(api)
    with app_engine.begin() as connection:
        connection.execute(update(AuthSession).values(expires_at=datetime.now(UTC)))

    _assert_problem(api.get("/v1/auth/me", headers=headers), 401, "invalid-session")


def test_logout_ends_session_at_once(api: httpx.Client, sign_in: Callable[..., dict]) -> None:
    headers = sign_in(api)

    response = api.post("/v1/auth/logout", headers=headers)

    assert response.status_code == 204
    _assert_problem(api.get("/v1/auth/me", headers=headers), 401, "invalid-session")


def test_logout_other_sessions_of_address_stay_open(api: httpx.Client, sign_in: Callable[..., dict]) -> None:
    account = Account.create()
    laptop, phone = sign_in(api, account), sign_in(api, account)

    api.post("/v1/auth/logout", headers=laptop)

    assert api.get("/v1/auth/me", headers=phone).status_code == 200


def test_session_secret_rotation_signs_everybody_out(
    make_api: Callable[..., httpx.Client], sign_in: Callable[..., dict]
) -> None:
    headers = sign_in(make_api())
    rotated = make_api(session_secret="a-new-secret-after-a-suspected-leak-0123456789")

    _assert_problem(rotated.get("/v1/auth/me", headers=headers), 401, "invalid-session")
