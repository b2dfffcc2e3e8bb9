"""Calldata decoded with the ABIs of the deployment manifest: which contract, which function, which named
arguments, e.g. ``LicenseManager.setTerms(modelId=3, terms={price: 250000000, ...})``.

Used to show what a DAO proposal will execute. A call to a contract of the manifest is decoded with that
contract's ABI; a call to any other address (the payment token of a treasury spend, say) with the first ABI
of the manifest that has the selector, reported without a contract name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_utils.abi import collapse_if_tuple
from eth_utils.crypto import keccak
from hexbytes import HexBytes
from web3 import Web3

from backend.chain.manifest import Manifest

_JSON_SAFE_INT = 2**53


@dataclass(frozen=True)
class DecodedCall:
    contract: str | None  # the manifest's name for the target; None when the target is not in it
    function: str
    signature: (
        str  # canonical, e.g. "setTerms(uint256,(uint128,uint32,uint16,uint16,uint8,uint16,uint128,uint64))"
    )
    args: dict[str, Any]  # by parameter name; structs as objects, bytes as 0x hex, big integers as strings

    def __str__(self) -> str:
        prefix = f"{self.contract}." if self.contract else ""
        return f"{prefix}{self.function}({', '.join(f'{name}={_show(value)}' for name, value in self.args.items())})"


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{name}: {_show(item)}" for name, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_show(item) for item in value) + "]"
    return str(value)


def _signature(entry: Mapping[str, Any]) -> str:
    return f"{entry['name']}({','.join(collapse_if_tuple(dict(item)) for item in entry.get('inputs', []))})"


class CalldataDecoder:
    def __init__(self, manifest: Manifest) -> None:
        self._by_address: dict[str, tuple[str, dict[bytes, dict[str, Any]]]] = {}
        self._any: dict[bytes, dict[str, Any]] = {}
        for name, contract in manifest.contracts.items():
            functions = {
                keccak(text=_signature(entry))[:4]: entry
                for entry in contract.abi
                if entry.get("type") == "function"
            }
            self._by_address[contract.address] = (name, functions)
            for selector, entry in functions.items():
                self._any.setdefault(selector, entry)

    def decode(self, *, target: str, data: bytes | str) -> DecodedCall | None:
        """The call ``data`` makes on ``target``; None when no ABI of the manifest decodes it."""
        raw = bytes(HexBytes(data))
        if len(raw) < 4:
            return None
        known = self._by_address.get(Web3.to_checksum_address(target))
        contract, functions = known if known else (None, self._any)
        entry = functions.get(raw[:4])
        if entry is None:
            return None
        inputs = list(entry.get("inputs", []))
        try:
            values = abi_decode([collapse_if_tuple(dict(item)) for item in inputs], raw[4:])
        except DecodingError:
            return None
        return DecodedCall(
            contract=contract,
            function=entry["name"],
            signature=_signature(entry),
            args=_named(inputs, values),
        )


def _named(params: Sequence[Mapping[str, Any]], values: Sequence[Any]) -> dict[str, Any]:
    return {
        param.get("name") or f"arg{index}": _value(param, value)
        for index, (param, value) in enumerate(zip(params, values, strict=True))
    }


def _value(param: Mapping[str, Any], value: Any) -> Any:
    kind = param["type"]
    if kind.endswith("]"):  # an array: its items have the type without the last dimension
        item = {**param, "type": kind[: kind.rindex("[")]}
        return [_value(item, element) for element in value]
    if kind == "tuple":
        return _named(param["components"], value)
    if kind == "address":
        return Web3.to_checksum_address(value)
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if (
        isinstance(value, int)
        and not isinstance(value, bool)
        and not -_JSON_SAFE_INT < value < _JSON_SAFE_INT
    ):
        return str(value)
    return value
