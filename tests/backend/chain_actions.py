"""Platform actions as users make them, through real transactions from anvil's unlocked dev accounts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from eth_abi import encode
from eth_typing import ABIEvent
from eth_utils import event_abi_to_log_topic, get_abi_input_types
from web3.contract.contract import ContractFunction
from web3.logs import DISCARD
from web3.types import TxReceipt

from backend.chain.client import ChainClient
from backend.devchain import DevChain

USDC = 10**6
COMMERCIAL, DERIVATIVES, DISTILLATION, TRAIN_ON_OUTPUTS, ATTRIBUTION = 1, 2, 4, 8, 16


def _log_stub(topics: int) -> str:
    """EVM code that emits its calldata as one log: the first ``topics`` words as its topics, the rest as data."""
    data = 32 * topics
    code = "365f5f37"  # CALLDATACOPY(0, 0, CALLDATASIZE)
    code += "".join(f"60{32 * index:02x}51" for index in reversed(range(topics)))  # MLOAD each, topic 0 last
    code += f"60{data:02x}3603"  # CALLDATASIZE - data: the data's size
    code += f"60{data:02x}a{topics}00"  # LOG<topics>(data, size, topic 0, ...), STOP
    return "0x" + code


def make_terms(
    *,
    price: int = 100 * USDC,
    duration: int = 30 * 86_400,
    contributors_bps: int = 2_000,
    derivative_rev_share_bps: int = 1_000,
    permissions: int = COMMERCIAL | DERIVATIVES | ATTRIBUTION,
    max_derivatives: int = 1,
    fee_per_call: int = 1_000,
    included_calls: int = 1_000,
) -> tuple[int, ...]:
    """A Terms struct as the ABI wants it (field order of ILicenseTypes.Terms)."""
    return (
        price,
        duration,
        contributors_bps,
        derivative_rev_share_bps,
        permissions,
        max_derivatives,
        fee_per_call,
        included_calls,
    )


# The largest terms the licence manager accepts: its MAX_* bounds, each below its field type's maximum.
MAX_TERMS = make_terms(
    price=10**30,
    duration=3_650 * 86_400,
    contributors_bps=10_000,
    derivative_rev_share_bps=5_000,
    permissions=31,
    max_derivatives=1_000,
    fee_per_call=10**18,
    included_calls=10**18,
)
# Every field at its type's maximum (ILicenseTypes.Terms): the licence manager refuses them, a log can hold them.
TYPE_MAX_TERMS = make_terms(
    price=2**128 - 1,
    duration=2**32 - 1,
    contributors_bps=2**16 - 1,
    derivative_rev_share_bps=2**16 - 1,
    permissions=2**8 - 1,
    max_derivatives=2**16 - 1,
    fee_per_call=2**128 - 1,
    included_calls=2**64 - 1,
)


@dataclass
class Platform:
    """Real transactions from anvil's unlocked development accounts, as users would make them."""

    client: ChainClient
    chain: DevChain

    def transact(self, function: ContractFunction, sender: str) -> TxReceipt:
        receipt = self.client.w3.eth.wait_for_transaction_receipt(function.transact({"from": sender}))
        assert receipt["status"] == 1, f"{function.fn_name} reverted"
        return receipt

    def event(self, receipt: TxReceipt, contract: str, name: str) -> Any:
        (log,) = self.client.contract(contract).events[name]().process_receipt(receipt, errors=DISCARD)  # type: ignore[arg-type]
        return log["args"]

    def register_dataset(self, curator: str, *, root: bytes = b"\x11" * 32, cid: str = "QmDataset1") -> int:
        registry = self.client.contract("AssetRegistry")
        receipt = self.transact(registry.functions.registerDataset(cid), curator)
        dataset_id = self.event(receipt, "AssetRegistry", "DatasetRegistered")["datasetId"]
        self.transact(registry.functions.commitDatasetVersion(dataset_id, root, cid + "v1"), curator)
        return int(dataset_id)

    def register_model(
        self,
        owner: str,
        *,
        cid: str = "QmModel1",
        weights: bytes = b"\x22" * 32,
        parents: tuple[tuple[int, int, int], ...] = (),
        datasets: tuple[tuple[int, int, int], ...] = (),
        terms: tuple[int, ...] | None = None,
    ) -> int:
        registry = self.client.contract("AssetRegistry")
        registration = (cid, weights, list(parents), list(datasets))
        receipt = self.transact(registry.functions.registerModel(registration, terms or make_terms()), owner)
        return int(self.event(receipt, "AssetRegistry", "ModelRegistered")["modelId"])

    def buy(self, buyer: str, model_id: int) -> int:
        """Buys a licence with MockUSDC from the faucet: faucet, approve, purchase."""
        usdc, licenses = self.client.contract("MockUSDC"), self.client.contract("LicenseManager")
        version = self.client.terms_version(model_id=model_id)
        price = self.client.terms(model_id=model_id, version=version).price
        self.transact(usdc.functions.faucet(buyer, price), buyer)
        self.transact(usdc.functions.approve(licenses.address, price), buyer)
        receipt = self.transact(licenses.functions.purchase(model_id, buyer, price, version), buyer)
        return int(self.event(receipt, "LicenseManager", "LicensePurchased")["licenceId"])

    def emit_event(self, contract: str, name: str, *args: Any) -> None:
        """A log of event ``name`` with ``args`` at ``contract``'s address, whatever its own code would refuse:
        the code is swapped for a stub that logs its calldata, for one transaction."""
        deployed = self.client.contract(contract)
        event = cast(ABIEvent, deployed.events[name].abi)
        fields = list(zip(get_abi_input_types(event), args, strict=True))
        indexed = [item["indexed"] for item in event["inputs"]]
        topics = [encode([kind], [value]) for (kind, value), key in zip(fields, indexed, strict=True) if key]
        data = [(kind, value) for (kind, value), key in zip(fields, indexed, strict=True) if not key]
        calldata = b"".join([event_abi_to_log_topic(event), *topics]) + encode(
            [kind for kind, _ in data], [value for _, value in data]
        )
        original = self.client.w3.eth.get_code(deployed.address)
        self.chain.rpc("anvil_setCode", deployed.address, _log_stub(1 + len(topics)))
        try:
            tx = {"from": self.chain.addresses[0], "to": deployed.address, "data": calldata}
            receipt = self.client.w3.eth.wait_for_transaction_receipt(self.client.w3.eth.send_transaction(tx))
            assert receipt["status"] == 1 and len(receipt["logs"]) == 1, receipt
        finally:
            self.chain.rpc("anvil_setCode", deployed.address, original.to_0x_hex())
