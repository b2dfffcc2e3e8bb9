"""Read models built by the indexer from real platform transactions on anvil, on both databases."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.chain.client import ChainClient
from backend.devchain import DevChain
from backend.models.assets import Asset, ModelDataset, ModelParent
from backend.models.licences import Licence, TermsVersion
from backend.models.rewards import PoolCredit
from backend.services.indexer import indexer_for
from tests.backend.chain_actions import DISTILLATION, USDC, Platform, make_terms

DISTILL = 1


def _world(platform: Platform, chain: DevChain) -> dict[str, int]:
    """A teacher with a dataset, a student distilled from it under a licence, and a licensed user."""
    curator, teacher_owner, student_owner, user = (
        chain.addresses[3],
        chain.addresses[1],
        chain.addresses[2],
        chain.addresses[4],
    )
    dataset = platform.register_dataset(curator)
    teacher = platform.register_model(
        teacher_owner,
        cid="QmTeacher",
        datasets=((dataset, 1, 10_000),),
        terms=make_terms(permissions=1 | 2 | 16 | DISTILLATION),
    )
    teacher_licence = platform.buy(student_owner, teacher)
    student = platform.register_model(
        student_owner,
        cid="QmStudent",
        parents=((teacher, DISTILL, teacher_licence),),
        terms=make_terms(price=50 * USDC),
    )
    student_licence = platform.buy(user, student)
    return {
        "dataset": dataset,
        "teacher": teacher,
        "student": student,
        "teacher_licence": teacher_licence,
        "student_licence": student_licence,
    }


def _index(client: ChainClient, factory: sessionmaker[Session]) -> None:
    with factory() as session:
        indexer_for(web3=client.w3, manifest=client.manifest).sync(session=session)


def test_sync_platformTransactions_buildReadModels(
    client: ChainClient, platform: Platform, isolated_chain: DevChain, session_factory: sessionmaker[Session]
) -> None:
    world = _world(platform, isolated_chain)
    _index(client, session_factory)

    with session_factory() as session:
        kinds = {asset.id: (asset.kind, asset.owner) for asset in session.scalars(select(Asset))}
        assert kinds == {
            world["dataset"]: ("dataset", isolated_chain.addresses[3]),
            world["teacher"]: ("model", isolated_chain.addresses[1]),
            world["student"]: ("model", isolated_chain.addresses[2]),
        }
        (edge,) = session.scalars(select(ModelParent))
        assert (edge.model_id, edge.parent_id, edge.edge_type, edge.licence_id) == (
            world["student"],
            world["teacher"],
            DISTILL,
            world["teacher_licence"],
        )
        (use,) = session.scalars(select(ModelDataset))
        assert (use.model_id, use.dataset_id, use.dataset_version, use.weight_bps) == (
            world["teacher"],
            world["dataset"],
            1,
            10_000,
        )
        terms = session.get_one(TermsVersion, (world["student"], 1))
        assert (terms.price, terms.included_calls) == (50 * USDC, 1_000)
        licence = session.get_one(Licence, world["student_licence"])
        on_chain = client.licence(licence_id=world["student_licence"])
        assert (licence.holder, licence.model_id, licence.expires_at) == (
            isolated_chain.addresses[4],
            world["student"],
            int(on_chain.expires_at.timestamp()),
        )
        # The teacher's dataset pool earned from both sales: 20% of the teacher's own sale after the fee, and
        # 20% of the teacher's royalty (10%) on the student's sale.
        credits = [
            credit.amount for credit in session.scalars(select(PoolCredit).order_by(PoolCredit.block_number))
        ]
        assert credits == [19_500_000, 1_000_000]


def test_sync_afterReorg_readModelsMatchCanonicalChain(
    client: ChainClient, platform: Platform, isolated_chain: DevChain, session_factory: sessionmaker[Session]
) -> None:
    world = _world(platform, isolated_chain)
    snapshot = isolated_chain.rpc("evm_snapshot")
    platform.buy(isolated_chain.addresses[5], world["student"])  # on the fork that will be dropped
    _index(client, session_factory)
    with session_factory() as session:
        assert len(session.scalars(select(Licence)).all()) == 3

    isolated_chain.rpc("evm_revert", snapshot)
    isolated_chain.rpc("anvil_mine", hex(5))  # the canonical chain grows past the dropped fork
    _index(client, session_factory)

    with session_factory() as session:
        holders = sorted(licence.holder for licence in session.scalars(select(Licence)))
        assert holders == sorted([isolated_chain.addresses[2], isolated_chain.addresses[4]])
        assert len(session.scalars(select(PoolCredit)).all()) == 2
