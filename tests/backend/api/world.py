"""Worlds for the read API tests, made by real transactions on anvil and the real backend services.

``build_world``: a dataset, a teacher model trained on it that allows distillation, a student distilled from
the teacher under a licence its owner bought, a quantized copy of the student by the same owner, and a
user's licence on the student. ``close_first_epoch``: a dataset with two reviewed contributions, a model
trained on it with a licence and credit, metered usage, and epoch 1 closed by the real epoch job (dataset
version and rewards tree on the content store, root submitted, usage settled).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from backend.chain.client import ChainClient
from backend.chain.sender import TransactionSender
from backend.devchain import DevChain
from backend.domain.epochs import EpochClock
from backend.services.contributions import review_contribution, submit_contribution
from backend.services.epochs import EpochSettings, close_epoch
from backend.services.usage import ingest_batch, record_batch
from backend.storage import LocalContentStore
from tests.backend.chain_actions import (
    ATTRIBUTION,
    COMMERCIAL,
    DERIVATIVES,
    DISTILLATION,
    USDC,
    Platform,
    make_terms,
)

DISTILL, QUANTIZE = 1, 4
PROV = 10**18
GWEI = 10**9
EPOCH_LENGTH = 3_600
ROOT_DELAY = 60  # scripts/deploy.py's development default


@dataclass(frozen=True)
class World:
    curator: str
    teacher_owner: str
    student_owner: str
    user: str
    dataset: int
    teacher: int
    student: int
    quantized: int
    teacher_licence: int
    student_licence: int


def build_world(platform: Platform, chain: DevChain) -> World:
    curator, teacher_owner, student_owner, user = (chain.addresses[i] for i in (3, 1, 2, 4))
    dataset = platform.register_dataset(curator)
    teacher = platform.register_model(
        teacher_owner,
        cid="QmTeacher",
        datasets=((dataset, 1, 10_000),),
        terms=make_terms(permissions=COMMERCIAL | DERIVATIVES | ATTRIBUTION | DISTILLATION),
    )
    teacher_licence = platform.buy(student_owner, teacher)
    student = platform.register_model(
        student_owner,
        cid="QmStudent",
        weights=b"\x33" * 32,
        parents=((teacher, DISTILL, teacher_licence),),
        terms=make_terms(price=50 * USDC),
    )
    quantized = platform.register_model(
        student_owner, cid="QmStudentQ4", weights=b"\x44" * 32, parents=((student, QUANTIZE, 0),)
    )
    student_licence = platform.buy(user, student)
    return World(
        curator=curator,
        teacher_owner=teacher_owner,
        student_owner=student_owner,
        user=user,
        dataset=dataset,
        teacher=teacher,
        student=student,
        quantized=quantized,
        teacher_licence=teacher_licence,
        student_licence=student_licence,
    )


@dataclass(frozen=True)
class ClosedEpoch:
    dataset: int
    model: int
    licence: int
    alice: str
    bob: str
    contributions: dict[str, int]  # contribution id by contributor name
    clock: EpochClock
    store: LocalContentStore
    session_factory: sessionmaker[Session]


def contribute(
    factory: sessionmaker[Session],
    store: LocalContentStore,
    clock: EpochClock,
    dataset: int,
    contributor: str,
    data: bytes,
) -> int:
    """Submits and reviews a contribution through the contributions service; returns its id."""
    with factory() as session:
        contribution = submit_contribution(
            session=session,
            store=store,
            dataset_id=dataset,
            contributor=contributor,
            filename="rows.txt",
            media_type="text/plain",
            stream=io.BytesIO(data),
            max_bytes=1 << 20,
        )
        review_contribution(
            session=session, store=store, contribution_id=contribution.id, max_bytes=1 << 20, clock=clock
        )
        return contribution.id


def meter(
    factory: sessionmaker[Session], clock: EpochClock, *, licence: int, calls: int, at: int, event_id: str
) -> None:
    """Meters ``calls`` on ``licence`` at unix time ``at`` through the usage ingestion service."""
    with factory() as session:
        batch = record_batch(session=session, events=[(event_id, licence, calls, at)], operator_key_id=None)
        ingest_batch(session=session, batch_id=batch, clock=clock)


def close_first_epoch(
    platform: Platform,
    chain: DevChain,
    engine: Engine,
    store: LocalContentStore,
    index: Callable[[], None],
) -> ClosedEpoch:
    """Alice contributes weight 3, Bob 1; a licence on a model trained on the dataset is sold (its pool earns
    19.5 USDC) with 10 USDC of credit, and 1,500 calls are metered on it (1,000 included); epoch 1 closes."""
    client = platform.client
    curator, owner, user, alice, bob = (chain.addresses[i] for i in (3, 1, 4, 5, 6))
    dataset = platform.register_dataset(curator)
    model = platform.register_model(
        owner, datasets=((dataset, 1, 10_000),), terms=make_terms(included_calls=1_000)
    )
    licence = platform.buy(user, model)
    usdc, licenses = client.contract("MockUSDC"), client.contract("LicenseManager")
    platform.transact(usdc.functions.faucet(user, 10 * USDC), user)
    platform.transact(usdc.functions.approve(licenses.address, 10 * USDC), user)
    platform.transact(licenses.functions.deposit(licence, 10 * USDC), user)

    now = client.w3.eth.get_block("latest")["timestamp"]
    clock = EpochClock(genesis=now - 100, length=EPOCH_LENGTH)
    factory = sessionmaker(engine, expire_on_commit=False)
    contributions = {
        "alice": contribute(factory, store, clock, dataset, alice, b"a\nb\nc\n"),
        "bob": contribute(factory, store, clock, dataset, bob, b"d\n"),
    }
    meter(factory, clock, licence=licence, calls=1_500, at=now, event_id="call-1")

    chain.rpc("evm_setNextBlockTimestamp", clock.end_of(1) + 1)
    chain.rpc("anvil_mine", hex(3))
    index()
    sender = TransactionSender(
        client=client,
        engine=engine,
        private_key=chain.oracle_key,
        priority_fee=1 * GWEI,
        max_fee_cap=100 * GWEI,
        replace_after=3_600,
        confirmations=1,
        poll_interval=0.05,
    )
    close_epoch(
        session_factory=factory,
        client=client,
        sender=sender,
        store=store,
        settings=EpochSettings(clock=clock, confirmations=2, prov_per_epoch=1_000 * PROV, tx_timeout=60),
        epoch=1,
    )
    index()
    return ClosedEpoch(
        dataset=dataset,
        model=model,
        licence=licence,
        alice=alice,
        bob=bob,
        contributions=contributions,
        clock=clock,
        store=store,
        session_factory=factory,
    )


def accept_root(chain: DevChain, client: ChainClient) -> None:
    """Lets the pending reward root's delay pass and accepts it (anyone may)."""
    chain.rpc("evm_increaseTime", ROOT_DELAY + 1)
    chain.rpc("evm_mine")
    distributor = client.contract("RewardDistributor")
    receipt = client.w3.eth.wait_for_transaction_receipt(
        distributor.functions.acceptRoot().transact({"from": chain.addresses[0]})
    )
    assert receipt["status"] == 1


def problem(response: httpx.Response) -> dict[str, Any]:
    """The body of a problem+json answer."""
    assert response.headers["content-type"] == "application/problem+json", response.text
    body: dict[str, Any] = response.json()
    return body
