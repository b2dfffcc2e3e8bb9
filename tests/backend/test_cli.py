"""The ``provenant`` CLI driven as a user would (typer's CliRunner) against the session's anvil chain with the
deployed contracts and the real API: the model user's journey, a DAO journey, usage reports, contributions,
and the one-line errors with their exit codes."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account
from sqlalchemy import Engine
from typer.testing import CliRunner, Result
from web3 import HTTPProvider, Web3

from backend.chain.client import ChainClient, Permission
from backend.cli import app
from backend.cli.common import EXIT_BAD_INPUT, EXIT_REFUSED, EXIT_REVERTED, EXIT_UNREACHABLE
from backend.devchain import DevChain
from backend.storage import LocalContentStore
from tests.backend.api.world import accept_root, close_first_epoch
from tests.backend.chain_actions import ATTRIBUTION, DISTILLATION, MAX_TERMS, USDC, Platform, make_terms

OWNER, BUYER, CONTRIBUTOR = 1, 4, 6
TIMELOCK_DELAY, VOTING_PERIOD = 60, 20  # scripts/deploy.py's development parameters


@pytest.fixture
def run(isolated_chain: DevChain) -> Callable[..., Result]:
    """``run(*args, key=None)``: the CLI with the test chain's RPC URL and manifest in its environment."""
    runner = CliRunner()

    def invoke(*args: str, key: str | None = None, **env: str | None) -> Result:
        environment: dict[str, str | None] = {
            "PROVENANT_RPC_URL": isolated_chain.rpc_url,
            "PROVENANT_MANIFEST": str(isolated_chain.manifest_path),
            "PROVENANT_PRIVATE_KEY": key,
            "PROVENANT_OPERATOR_KEY": None,
            **env,
        }
        return runner.invoke(app, list(args), env=environment)

    return invoke


def _json(result: Result) -> Any:
    assert result.exit_code == 0, result.stderr or result.output
    return json.loads(result.stdout)


def _error(result: Result, exit_code: int) -> str:
    """The one error line of a failed command."""
    assert result.exit_code == exit_code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


@pytest.fixture
def api_url(make_api: Callable[..., httpx.Client], isolated_chain: DevChain) -> str:
    api = make_api(rpc_url=isolated_chain.rpc_url, manifest_path=isolated_chain.manifest_path)
    return str(api.base_url).rstrip("/")


def test_modelUserJourney_registerBuyShowTopUp(
    run: Callable[..., Result],
    isolated_chain: DevChain,
    client: ChainClient,
    api_url: str,
    index: Callable[[], None],
) -> None:
    keys = isolated_chain.private_keys
    registered = _json(
        run(
            *("model", "register", "--cid", "QmCliModel", "--weights-hash", "0x" + "ab" * 32),
            *("--price", "12.5", "--included-calls", "100", "--permission", "COMMERCIAL"),
            *("--permission", "ATTRIBUTION", "--json"),
            key=keys[OWNER],
        )
    )
    model_id = registered["model_id"]
    terms = client.terms(model_id=model_id)
    assert (terms.price, terms.included_calls) == (12_500_000, 100)
    assert terms.permissions == Permission.COMMERCIAL | Permission.ATTRIBUTION

    bought = _json(run("license", "buy", str(model_id), "--faucet", "--json", key=keys[BUYER]))
    licence = client.licence(licence_id=bought["licence_id"])
    assert (licence.holder, licence.model_id, licence.valid) == (
        isolated_chain.addresses[BUYER],
        model_id,
        True,
    )

    index()
    shown = _json(run("license", "show", str(bought["licence_id"]), "--api", api_url, "--json"))
    assert (shown["model_id"], shown["status"], shown["included_calls"]) == (model_id, "valid", "100")
    model = _json(run("model", "show", str(model_id), "--api", api_url, "--json"))
    assert (model["owner"], model["terms"]["price"]) == (isolated_chain.addresses[OWNER], "12500000")

    topped = _json(
        run("license", "topup", str(bought["licence_id"]), "2.5", "--faucet", "--json", key=keys[BUYER])
    )
    assert topped["credit"] == "2.5"
    assert client.licence(licence_id=bought["licence_id"]).credit == 2_500_000

    human = run("license", "topup", str(bought["licence_id"]), "1", "--faucet", key=keys[BUYER])
    assert human.exit_code == 0 and "credit now 3.5" in human.stdout

    not_mine = run("license", "limit", str(bought["licence_id"]), "1000", key=keys[OWNER])
    assert f"is held by {isolated_chain.addresses[BUYER]}" in _error(not_mine, EXIT_REFUSED)
    limited = _json(run("license", "limit", str(bought["licence_id"]), "1000", "--json", key=keys[BUYER]))
    assert limited["calls_per_epoch"] == "1000"
    licenses = client.contract("LicenseManager")
    assert licenses.functions.meteringLimitAt(bought["licence_id"], limited["from_epoch"]).call() == 1_000
    assert licenses.functions.meteringLimitAt(bought["licence_id"], limited["from_epoch"] - 1).call() == 0
    index()
    assert _json(run("license", "usage", str(bought["licence_id"]), "--api", api_url, "--json")) == {
        "data": [],
        "count": 0,
    }
    shown = _json(run("license", "show", str(bought["licence_id"]), "--api", api_url, "--json"))
    assert shown["metering_limits"] == [{"from_epoch": limited["from_epoch"], "calls_per_epoch": "1000"}]


def test_modelShow_termsAtTheContractsBounds_exactInJsonAndInTheTable(
    run: Callable[..., Result],
    platform: Platform,
    isolated_chain: DevChain,
    api_url: str,
    index: Callable[[], None],
) -> None:
    model_id = platform.register_model(isolated_chain.addresses[OWNER], terms=MAX_TERMS)
    index()

    terms = _json(run("model", "show", str(model_id), "--api", api_url, "--json"))["terms"]
    table = run("model", "show", str(model_id), "--api", api_url).stdout.splitlines()

    assert (terms["price"], terms["fee_per_call"], terms["included_calls"]) == (
        str(10**30),
        str(10**18),
        str(10**18),
    )
    for name, value in (("price", 10**30), ("included calls", 10**18), ("fee per call", 10**18)):
        (row,) = [line for line in table if f" {name} " in line]
        assert f" {value} " in row


def test_modelLineage_showsTheDistillEdgeUnderTheLicence(
    run: Callable[..., Result],
    platform: Platform,
    isolated_chain: DevChain,
    api_url: str,
    index: Callable[[], None],
) -> None:
    owner, student_owner = isolated_chain.addresses[OWNER], isolated_chain.addresses[2]
    teacher = platform.register_model(owner, terms=make_terms(permissions=DISTILLATION | ATTRIBUTION))
    licence = platform.buy(student_owner, teacher)
    # Registered through the CLI: the DISTILL parent edge is licence-gated on chain.
    student = _json(
        run(
            *("model", "register", "--cid", "QmStudent", "--weights-hash", "0x" + "cd" * 32, "--price", "1"),
            *("--parent", f"{teacher}:DISTILL:{licence}", "--json"),
            key=isolated_chain.private_keys[2],
        )
    )["model_id"]
    index()
    graph = _json(run("model", "lineage", str(student), "--api", api_url, "--json"))
    assert {(e["source"], e["target"], e["type"], e["licence_id"]) for e in graph["edges"]} == {
        (teacher, student, "DISTILL", licence)
    }
    tree = run("model", "lineage", str(student), "--api", api_url)
    assert f"model {teacher} —DISTILL→ model {student} under licence {licence}" in tree.stdout


def test_daoJourney_delegateProposeVoteQueueExecute_changesTheTerms(
    run: Callable[..., Result], platform: Platform, isolated_chain: DevChain, client: ChainClient
) -> None:
    deployer = isolated_chain.private_keys[0]  # holds the PROV genesis allocation
    model_id = platform.register_model(isolated_chain.addresses[OWNER])
    delegated = _json(run("dao", "delegate", "--json", key=deployer))
    assert int(delegated["votes"]) == 100_000_000 * 10**18
    isolated_chain.rpc("evm_mine")  # the proposal threshold is checked at the previous block

    proposed = _json(
        run(
            *("dao", "propose", "--model", str(model_id), "--price", "250", "--description"),
            *("Raise the price\n\nDemand is high.", "--json"),
            key=deployer,
        )
    )
    proposal = proposed["proposal_id"]
    assert (proposed["terms"]["price"], proposed["terms"]["included_calls"]) == ("250", "1000")
    isolated_chain.rpc("anvil_mine", hex(2))  # past the voting delay
    voted = _json(run("dao", "vote", proposal, "for", "--reason", "fair", "--json", key=deployer))
    assert int(voted["weight"]) == 100_000_000 * 10**18

    early = run("dao", "queue", proposal, key=deployer)
    assert "GovernorUnexpectedProposalState" in _error(early, EXIT_REVERTED)
    isolated_chain.rpc("anvil_mine", hex(VOTING_PERIOD + 1))
    _json(run("dao", "queue", proposal, "--json", key=deployer))
    too_soon = run("dao", "execute", proposal, key=deployer)
    assert "TimelockUnexpectedOperationState" in _error(too_soon, EXIT_REVERTED)
    isolated_chain.rpc("evm_increaseTime", TIMELOCK_DELAY + 1)
    isolated_chain.rpc("evm_mine")
    _json(run("dao", "execute", proposal, "--json", key=deployer))
    assert client.terms(model_id=model_id).price == 250 * USDC


def test_usageReport_jsonAndCsv_acceptedAndRejectedPerEvent(
    run: Callable[..., Result],
    platform: Platform,
    isolated_chain: DevChain,
    make_api: Callable[..., httpx.Client],
    index: Callable[[], None],
    tmp_path: Path,
) -> None:
    api = make_api(rpc_url=isolated_chain.rpc_url, manifest_path=isolated_chain.manifest_path)
    model_id = platform.register_model(isolated_chain.addresses[OWNER])
    licence = platform.buy(isolated_chain.addresses[BUYER], model_id)
    index()
    stranger = run(
        "usage", "key", str(model_id), "--api", str(api.base_url), key=isolated_chain.private_keys[BUYER]
    )
    assert f"Only model {model_id}'s owner, or an operator" in _error(stranger, EXIT_REFUSED)
    gateway = isolated_chain.private_keys[CONTRIBUTOR]
    named = _json(
        run(
            "model",
            "operator",
            str(model_id),
            Account.from_key(gateway).address,
            "--json",
            key=isolated_chain.private_keys[OWNER],
        )
    )
    assert named["allowed"] is True
    index()
    key = _json(run("usage", "key", str(model_id), "--api", str(api.base_url), "--json", key=gateway))["key"]
    now = int(time.time())
    events = tmp_path / "usage.json"
    events.write_text(
        json.dumps(
            [
                {"event_id": "call-1", "licence_id": licence, "units": 3, "timestamp": now},
                {"event_id": "call-2", "licence_id": licence + 100, "units": 1, "timestamp": now},
            ]
        )
    )
    report = _json(
        run("usage", "report", str(events), "--api", str(api.base_url), "--json", PROVENANT_OPERATOR_KEY=key)
    )
    assert report["accepted"] == 1
    assert [rejected["event_id"] for rejected in report["rejected"]] == ["call-2"]

    rows = tmp_path / "usage.csv"
    rows.write_text(f"event_id,licence_id,units,timestamp\ncall-3,{licence},5,{now}\n")
    human = run("usage", "report", str(rows), "--api", str(api.base_url), "--operator-key", key)
    assert human.exit_code == 0 and "1 accepted" in human.stdout


def test_contribute_signsInAndUploads_listedAsPending(
    run: Callable[..., Result],
    platform: Platform,
    isolated_chain: DevChain,
    api_url: str,
    index: Callable[[], None],
    tmp_path: Path,
) -> None:
    dataset = platform.register_dataset(isolated_chain.addresses[3])
    index()
    rows = tmp_path / "rows.csv"
    rows.write_text("question,answer\nWhy?,Because.\n")
    uploaded = _json(
        run(
            "contribute",
            str(rows),
            "--dataset",
            str(dataset),
            "--api",
            api_url,
            "--json",
            key=isolated_chain.private_keys[CONTRIBUTOR],
        )
    )
    assert (uploaded["dataset_id"], uploaded["contributor"]) == (
        dataset,
        isolated_chain.addresses[CONTRIBUTOR],
    )
    assert (uploaded["media_type"], uploaded["status"]) == ("text/csv", "pending")
    listed = httpx.get(f"{api_url}/v1/contributions", params={"dataset_id": dataset}).json()
    assert [c["id"] for c in listed] == [uploaded["id"]]


def test_rewardsClaim_refusedWhileTheApiLagsANewerRoot_thenClaimsBothTokens(
    run: Callable[..., Result],
    platform: Platform,
    isolated_chain: DevChain,
    client: ChainClient,
    app_engine: Engine,
    api_url: str,
    index: Callable[[], None],
    tmp_path: Path,
) -> None:
    # The API's data dir is tmp_path: the epoch job stores its tree where the API reads it.
    store = LocalContentStore(root=tmp_path / "ipfs")
    epoch = close_first_epoch(platform, isolated_chain, app_engine, store, index)
    accept_root(isolated_chain, client)
    index()
    distributor = client.contract("RewardDistributor")
    tokens = (client.manifest.payment_token, client.contract("ProvenanceToken").address)
    alice_key = isolated_chain.private_keys[5]
    shown = _json(run("rewards", "show", epoch.alice, "--api", api_url, "--json"))
    claimable = {token["token"]: token["claimable"] for token in shown["tokens"]}
    before_newer_root = isolated_chain.rpc("evm_snapshot")
    # A newer root accepted on chain before the indexer sees it: the API's proofs are for the old one.
    oracle = Account.from_key(isolated_chain.oracle_key).address
    isolated_chain.rpc("anvil_impersonateAccount", oracle)
    total = distributor.functions.currentRoot().call()[3]
    submit = distributor.functions.submitRoot(2, b"\x22" * 32, total, "QmNewer").transact({"from": oracle})
    client.w3.eth.wait_for_transaction_receipt(submit)
    accept_root(isolated_chain, client)

    stale = run("rewards", "claim", "--api", api_url, key=alice_key)

    assert "newer rewards root the API has not indexed yet" in _error(stale, EXIT_REFUSED)
    assert [distributor.functions.claimed(epoch.alice, token).call() for token in tokens] == [0, 0]

    isolated_chain.rpc("evm_revert", before_newer_root)
    claimed = _json(run("rewards", "claim", "--api", api_url, "--json", key=alice_key))

    assert {entry["token"]: entry["amount"] for entry in claimed["claimed"]} == claimable
    assert len({entry["transaction"] for entry in claimed["claimed"]}) == 1  # one claimMany for both tokens
    assert [str(distributor.functions.claimed(epoch.alice, token).call()) for token in tokens] == [
        claimable[token] for token in tokens
    ]


def test_epochClose_closesTheEndedEpoch_thenReportsTheCurrentOne(
    run: Callable[..., Result],
    isolated_chain: DevChain,
    client: ChainClient,
    app_engine: Engine,
    index: Callable[[], None],
    tmp_path: Path,
) -> None:
    length = 3_600
    genesis = int(time.time()) - length - 100  # epoch 1 ended 100 s ago by the wall clock
    end = genesis + length
    if client.w3.eth.get_block("latest")["timestamp"] <= end:
        isolated_chain.rpc("evm_setNextBlockTimestamp", end + 1)
    isolated_chain.rpc("anvil_mine", hex(3))  # a block past the end, buried under the confirmations
    index()  # an epoch closes once the indexer has passed its last block
    environment = {
        "PROVENANT_DATABASE_URL": app_engine.url.render_as_string(hide_password=False),
        "PROVENANT_DATA_DIR": str(tmp_path),
        "PROVENANT_EPOCH_GENESIS": str(genesis),
        "PROVENANT_EPOCH_LENGTH": str(length),
        "PROVENANT_CONFIRMATIONS": "1",
        "PROVENANT_ORACLE_PRIVATE_KEY": isolated_chain.oracle_key,
    }
    closed = _json(run("epoch", "close", "--json", **environment))
    assert closed == {"closed": [1], "current_epoch": 2, "current_epoch_ends_at": end + length}
    again = run("epoch", "close", **environment)
    assert again.exit_code == 0 and "No epoch could close now; epoch 2 ends at" in again.stdout


# --- clear errors: one line on stderr and an exit code ------------------------------------------------------


def test_missingKey_saysHowToSetIt(run: Callable[..., Result]) -> None:
    assert "set PROVENANT_PRIVATE_KEY" in _error(run("license", "buy", "1"), EXIT_BAD_INPUT)
    assert "set PROVENANT_PRIVATE_KEY" in _error(run("dao", "delegate"), EXIT_BAD_INPUT)


def test_malformedKey_isRefusedWithoutBeingShown(run: Callable[..., Result]) -> None:
    line = _error(run("dao", "delegate", key="0xnot-a-key-secret"), EXIT_BAD_INPUT)
    assert "32-byte hex key" in line and "not-a-key-secret" not in line


def test_deploy_badInput_isRefusedBeforeAnythingIsSent(
    run: Callable[..., Result], isolated_chain: DevChain, tmp_path: Path
) -> None:
    from backend.devchain import free_port

    manifest = str(tmp_path / "deployment.json")
    assert "set PROVENANT_PRIVATE_KEY" in _error(run("deploy", "--manifest", manifest), EXIT_BAD_INPUT)
    bad_key = run("deploy", "--manifest", manifest, key="0xnot-a-key-secret")
    line = _error(bad_key, EXIT_BAD_INPUT)
    assert "32-byte hex key" in line and "not-a-key-secret" not in line
    key = isolated_chain.private_keys[0]
    bad_oracle = run("deploy", "--manifest", manifest, "--oracle", "0x1234", key=key)
    assert "--oracle" in _error(bad_oracle, EXIT_BAD_INPUT)
    nowhere = run(
        "deploy", "--manifest", manifest, key=key, PROVENANT_RPC_URL=f"http://127.0.0.1:{free_port()}"
    )
    assert "no Ethereum node answers" in _error(nowhere, EXIT_UNREACHABLE)
    assert not Path(manifest).exists()


def test_deploy_writesTheManifest_alsoAgainOnAChainThatForgotTheFirst(
    run: Callable[..., Result], isolated_chain: DevChain, tmp_path: Path
) -> None:
    key = isolated_chain.private_keys[0]
    forgotten = isolated_chain.rpc("evm_snapshot")
    deployed = []
    for attempt in ("first", "after-reset"):
        manifest = tmp_path / f"{attempt}.json"

        result = _json(run("deploy", "--manifest", str(manifest), "--json", key=key))

        assert Path(result["manifest"]) == manifest
        contracts = json.loads(manifest.read_text())["contracts"]
        client = ChainClient(rpc_url=isolated_chain.rpc_url, manifest_path=manifest)
        assert all(client.w3.eth.get_code(entry["address"]) != b"" for entry in contracts.values())
        deployed.append(contracts)
        # As a development node restarted: the chain no longer holds the first deployment.
        isolated_chain.rpc("evm_revert", forgotten)
        forgotten = isolated_chain.rpc("evm_snapshot")
    # The same deployer nonces, so the same addresses.
    assert {name: c["address"] for name, c in deployed[0].items()} == {
        name: c["address"] for name, c in deployed[1].items()
    }


def test_deploy_liveChain_refusesRolesLeftToTheDeployerThenDeploysWithNoneOfThem(
    run: Callable[..., Result], isolated_chain: DevChain, tmp_path: Path
) -> None:
    from backend.devchain import free_port, launch_anvil, stop_anvil

    port = free_port()
    anvil = launch_anvil(port, tmp_path / "anvil.log", "--chain-id", "8453")  # not a development chain
    try:
        live = {"PROVENANT_RPC_URL": f"http://127.0.0.1:{port}"}
        w3 = Web3(HTTPProvider(live["PROVENANT_RPC_URL"]))
        deadline = time.monotonic() + 60
        while not w3.is_connected():
            assert time.monotonic() < deadline, (tmp_path / "anvil.log").read_text()
            time.sleep(0.05)
        key, addresses = isolated_chain.private_keys[0], isolated_chain.addresses
        deployer, oracle, guardian, treasury = addresses[0], addresses[7], addresses[8], addresses[9]
        manifest = tmp_path / "live.json"
        token = "0x" + "12" * 20

        defaults = _error(run("deploy", "--manifest", str(manifest), key=key, **live), EXIT_REFUSED)
        for name in ("ORACLE", "GUARDIAN", "TREASURY", "PAYMENT_TOKEN"):
            assert f"PROVENANT_{name} must be given explicitly on chain 8453" in defaults
        roles = ("--oracle", oracle, "--guardian", guardian, "--treasury", treasury, "--payment-token", token)
        mine = run(
            "deploy", "--manifest", str(manifest), *roles, "--genesis-recipient", deployer, key=key, **live
        )
        assert f"PROVENANT_GENESIS_RECIPIENT must not be the deployer ({deployer})" in _error(
            mine, EXIT_REFUSED
        )
        as_oracle = run(
            "deploy", "--manifest", str(manifest), *roles[2:], "--oracle", deployer, key=key, **live
        )
        assert "PROVENANT_ORACLE must not be the deployer" in _error(as_oracle, EXIT_REFUSED)
        assert w3.eth.get_transaction_count(deployer) == 0 and not manifest.exists()

        checked = _json(run("deploy", "--manifest", str(manifest), "--json", *roles, key=key, **live))[
            "checked"
        ]

        assert f"the deployer {deployer} holds no admin role" in checked
        assert any(line.startswith("no address named in the configuration holds votes") for line in checked)

        deployed = json.loads(manifest.read_text())
        client = ChainClient(rpc_url=live["PROVENANT_RPC_URL"], manifest_path=manifest)
        prov, timelock = (
            client.contract("ProvenanceToken"),
            deployed["contracts"]["TimelockController"]["address"],
        )
        assert prov.functions.balanceOf(deployer).call() == 0
        assert prov.functions.balanceOf(timelock).call() == prov.functions.totalSupply().call() > 0
        assert client.contract("RoyaltyRouter").functions.treasury().call() == treasury
        rewards = client.contract("RewardDistributor")
        assert rewards.functions.hasRole(rewards.functions.GUARDIAN_ROLE().call(), guardian).call()
        assert not rewards.functions.hasRole(rewards.functions.DEFAULT_ADMIN_ROLE().call(), deployer).call()
    finally:
        stop_anvil(anvil)


def test_wrongChainId_namesBothChains(
    run: Callable[..., Result], isolated_chain: DevChain, tmp_path: Path
) -> None:
    manifest = json.loads(isolated_chain.manifest_path.read_text())
    other = tmp_path / "mainnet.json"
    other.write_text(json.dumps({**manifest, "chainId": 1}))
    result = run("license", "buy", "1", key=isolated_chain.private_keys[BUYER], PROVENANT_MANIFEST=str(other))
    line = _error(result, EXIT_UNREACHABLE)
    assert f"is for chain 1 but the node at {isolated_chain.rpc_url} is on chain 31337" in line
    assert "--manifest" in line


def test_unreachableNodeAndApi_sayWhatToStart(run: Callable[..., Result], isolated_chain: DevChain) -> None:
    from backend.devchain import free_port

    nowhere = f"http://127.0.0.1:{free_port()}"
    node = run("dao", "delegate", key=isolated_chain.private_keys[0], PROVENANT_RPC_URL=nowhere)
    assert "start the node" in _error(node, EXIT_UNREACHABLE)
    api = run("model", "show", "1", "--api", nowhere)
    assert "start the platform" in _error(api, EXIT_UNREACHABLE)


def test_badFiles_areRefusedBeforeAnythingIsSent(
    run: Callable[..., Result], isolated_chain: DevChain, tmp_path: Path
) -> None:
    broken = tmp_path / "usage.json"
    broken.write_text("[{not json")
    assert "is not JSON" in _error(
        run("usage", "report", str(broken), "--operator-key", "pvk_x"), EXIT_BAD_INPUT
    )
    incomplete = tmp_path / "usage.csv"
    incomplete.write_text("event_id,units\na,1\n")
    assert "lacks licence_id, timestamp" in _error(
        run("usage", "report", str(incomplete), "--operator-key", "pvk_x"), EXIT_BAD_INPUT
    )
    missing = tmp_path / "absent.txt"
    key = isolated_chain.private_keys[CONTRIBUTOR]
    assert "no such file" in _error(
        run("contribute", str(missing), "--dataset", "1", key=key), EXIT_BAD_INPUT
    )
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert "is empty" in _error(run("contribute", str(empty), "--dataset", "1", key=key), EXIT_BAD_INPUT)
    bad_price = run(
        "model", "register", "--cid", "Qm", "--weights-hash", "0x" + "ab" * 32, "--price", "ten", key=key
    )
    assert "--price must be a number" in _error(bad_price, EXIT_BAD_INPUT)


def test_unknownModel_isRefused(run: Callable[..., Result], isolated_chain: DevChain, api_url: str) -> None:
    assert "there is no model 999" in _error(run("model", "show", "999", "--api", api_url), EXIT_REFUSED)
    buy = run("license", "buy", "999", "--faucet", key=isolated_chain.private_keys[BUYER])
    assert "there is no model 999" in _error(buy, EXIT_REFUSED)


def test_revertedTransactions_showTheDecodedErrorAndWhatToDo(
    run: Callable[..., Result], platform: Platform, isolated_chain: DevChain
) -> None:
    teacher = platform.register_model(isolated_chain.addresses[OWNER])  # no DISTILLATION for anyone
    unlicensed = run(
        *("model", "register", "--cid", "QmS", "--weights-hash", "0x" + "ef" * 32, "--price", "1"),
        *("--parent", f"{teacher}:DISTILL"),
        key=isolated_chain.private_keys[2],
    )
    line = _error(unlicensed, EXIT_REVERTED)
    assert f"AssetRegistryDerivationNotLicensed(parentId={teacher}, edgeType=DISTILL, licenceId=0)" in line
    assert "buy a licence on the parent" in line

    cheap = run(
        "license", "buy", str(teacher), "--faucet", "--max-price", "1", key=isolated_chain.private_keys[BUYER]
    )
    assert "LicenseManagerPriceAboveMax(price=100000000, maxPrice=1000000)" in _error(cheap, EXIT_REVERTED)

    poor = run("license", "buy", str(teacher), key=isolated_chain.private_keys[7])
    assert "add --faucet" in _error(poor, EXIT_REFUSED)
