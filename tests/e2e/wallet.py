"""The browser's wallet in the end-to-end tests: what MetaMask does, for one development key.

The page's ``window.ethereum`` (wallet.js) hands every EIP-1193 request to ``TestWallet.handle``: accounts
and the chain id are answered here, messages and transactions are signed here with the key (as a wallet
signs them, locally), and every other call is forwarded to the chain's JSON-RPC endpoint. ``chain_id`` can be
set to another chain to show the app a wallet on the wrong network; ``wallet_switchEthereumChain`` to the
real chain puts it back, as a user approving the switch would.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import requests
from eth_account import Account
from eth_account.messages import encode_defunct
from hexbytes import HexBytes

USER_REJECTED = 4001
UNRECOGNIZED_CHAIN = 4902
PRIORITY_FEE = 10**9


@dataclass
class TestWallet:
    private_key: str
    rpc_url: str
    chain_id: int  # what the wallet says it is on (the real chain's id unless a test changes it)
    real_chain_id: int
    sent: list[str] = field(default_factory=list)  # transaction hashes, oldest first

    __test__ = False  # not a test class, whatever its name says

    @property
    def address(self) -> str:
        return str(Account.from_key(self.private_key).address)

    def handle(self, _source: Any, request_json: str) -> str:
        request = json.loads(request_json)
        try:
            return json.dumps({"result": self._answer(request["method"], request["params"])})
        except RpcError as error:
            return json.dumps({"error": {"code": error.code, "message": error.message, "data": error.data}})

    def _answer(self, method: str, params: list[Any]) -> Any:
        if method in ("eth_requestAccounts", "eth_accounts"):
            return [self.address]
        if method == "eth_chainId":
            return hex(self.chain_id)
        if method == "wallet_switchEthereumChain":
            wanted = int(params[0]["chainId"], 16)
            if wanted != self.real_chain_id:
                raise RpcError(UNRECOGNIZED_CHAIN, f"the wallet does not know chain {wanted}")
            self.chain_id = wanted
            return None
        if method == "personal_sign":
            message, _address = params
            signed = Account.sign_message(encode_defunct(hexstr=message), self.private_key)
            return signed.signature.to_0x_hex()
        if method == "eth_sendTransaction":
            return self._send(params[0])
        if self.chain_id != self.real_chain_id:
            raise RpcError(-32603, f"the wallet is on chain {self.chain_id}, which this test has no node for")
        return self.rpc(method, params)

    def _send(self, tx: dict[str, Any]) -> str:
        if self.chain_id != self.real_chain_id:
            raise RpcError(-32603, f"the wallet is on chain {self.chain_id}")
        fields = {
            "from": self.address,
            "to": tx.get("to"),
            "data": tx.get("data", "0x"),
            "value": tx.get("value", "0x0"),
        }
        gas = int(tx["gas"], 16) if "gas" in tx else int(self.rpc("eth_estimateGas", [fields]), 16)
        base_fee = int(self.rpc("eth_getBlockByNumber", ["latest", False])["baseFeePerGas"], 16)
        signed = Account.sign_transaction(
            {
                "type": 2,
                "chainId": self.real_chain_id,
                "nonce": int(self.rpc("eth_getTransactionCount", [self.address, "pending"]), 16),
                "to": fields["to"],
                "data": HexBytes(fields["data"]),
                "value": int(fields["value"], 16),
                "gas": gas,
                "maxFeePerGas": 2 * base_fee + PRIORITY_FEE,
                "maxPriorityFeePerGas": PRIORITY_FEE,
            },
            self.private_key,
        )
        tx_hash = str(self.rpc("eth_sendRawTransaction", [signed.raw_transaction.to_0x_hex()]))
        self.sent.append(tx_hash)
        return tx_hash

    def rpc(self, method: str, params: list[Any]) -> Any:
        answer = requests.post(
            self.rpc_url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params}, timeout=30
        ).json()
        if "error" in answer:
            error = answer["error"]
            raise RpcError(error.get("code", -32603), error.get("message", ""), error.get("data"))
        return answer["result"]


class RpcError(Exception):
    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code, self.message, self.data = code, message, data
