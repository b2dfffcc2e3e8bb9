"""Platform actions as users make them, through real transactions from anvil's unlocked dev accounts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from web3.contract.contract import ContractFunction
from web3.logs import DISCARD
from web3.types import TxReceipt

from backend.chain.client import ChainClient
from backend.devchain import DevChain

USDC = 10**6
COMMERCIAL, DERIVATIVES, DISTILLATION, TRAIN_ON_OUTPUTS, ATTRIBUTION = 1, 2, 4, 8, 16


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
