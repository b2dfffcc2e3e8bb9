"""A user's wallet for the CLI and the demo world: transactions signed locally with a private key (web3.py),
sent one after the other, each waited for, reverts decoded into the contracts' custom errors."""

from __future__ import annotations

from typing import Any

from eth_account import Account
from eth_typing import ChecksumAddress
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractLogicError, TimeExhausted, Web3RPCError
from web3.logs import DISCARD
from web3.types import TxReceipt

from backend.chain.client import ChainClient, ChainError, ContractName, ContractReverted, revert_data

RECEIPT_TIMEOUT = 120.0  # seconds; a dev chain mines every second, a live one within a few blocks


class TransactionNotMined(ChainError):
    """A transaction was sent but no receipt came within the timeout."""


class Wallet:
    """Sends transactions from the account of ``private_key`` through ``client``'s node."""

    def __init__(self, *, client: ChainClient, private_key: str) -> None:
        self.client = client
        self._account = Account.from_key(private_key)

    @property
    def address(self) -> ChecksumAddress:
        return self._account.address

    def send(self, function: ContractFunction) -> TxReceipt:
        """Signs and sends one call, waits for its receipt; ContractReverted with the decoded error."""
        w3 = self.client.w3
        try:
            # Estimating the gas executes the call: a revert surfaces here, with its data, before signing.
            transaction = function.build_transaction(
                {
                    "from": self.address,
                    "nonce": w3.eth.get_transaction_count(self.address, "pending"),
                    "chainId": self.client.chain_id,
                }
            )
        except (ContractLogicError, Web3RPCError) as error:
            data = revert_data(error)
            if data is None:
                raise
            raise ContractReverted(function.fn_name, self.client.decode_revert(data=data)) from None
        signed = self._account.sign_transaction(transaction)
        tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
        try:
            receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=RECEIPT_TIMEOUT)
        except TimeExhausted:
            raise TransactionNotMined(
                f"{function.fn_name} ({tx_hash.to_0x_hex()}) was not mined within {RECEIPT_TIMEOUT:.0f} s"
            ) from None
        if receipt["status"] != 1:
            raise ChainError(
                f"{function.fn_name} ({tx_hash.to_0x_hex()}) reverted in block {receipt['blockNumber']}"
            )
        return receipt

    def event(self, receipt: TxReceipt, contract: ContractName, name: str) -> Any:
        """The arguments of the one ``name`` event ``contract`` emitted in ``receipt``."""
        logs = self.client.contract(contract).events[name]().process_receipt(receipt, errors=DISCARD)
        if len(logs) != 1:
            raise ChainError(f"expected one {contract}.{name} event in the receipt, found {len(logs)}")
        return logs[0]["args"]
