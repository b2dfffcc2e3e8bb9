"""Calldata decoded with the deployment's ABIs: contract, function and named arguments, structs included."""

from __future__ import annotations

import pytest

from backend.chain.calldata import CalldataDecoder
from backend.chain.client import ChainClient
from backend.chain.manifest import load_manifest
from backend.devchain import DevChain
from tests.backend.chain_actions import USDC, make_terms


@pytest.fixture
def decoder(dev_chain: DevChain) -> CalldataDecoder:
    return CalldataDecoder(load_manifest(path=dev_chain.manifest_path))


def test_decode_setTerms_structAsNamedArguments(decoder: CalldataDecoder, client: ChainClient) -> None:
    licenses = client.contract("LicenseManager")
    data = licenses.encode_abi("setTerms", args=[7, make_terms(price=250 * USDC)])

    call = decoder.decode(target=licenses.address, data=data)

    assert call is not None
    assert (call.contract, call.function) == ("LicenseManager", "setTerms")
    assert call.args["modelId"] == 7
    assert call.args["terms"]["price"] == 250 * USDC
    assert str(call).startswith(
        "LicenseManager.setTerms(modelId=7, terms={price: 250000000, duration: 2592000"
    )


def test_decode_otherTarget_firstAbiWithSelectorNoContractName(
    decoder: CalldataDecoder, client: ChainClient, dev_chain: DevChain
) -> None:
    # A treasury spend in a token the deployment does not list: ERC-20 transfer, decoded with PROV's ABI.
    data = client.contract("ProvenanceToken").encode_abi("transfer", args=[dev_chain.addresses[1], 10**24])

    call = decoder.decode(target="0x" + "12" * 20, data=data)

    assert call is not None
    assert (call.contract, call.function, call.signature) == (None, "transfer", "transfer(address,uint256)")
    assert call.args == {"to": dev_chain.addresses[1], "value": str(10**24)}  # beyond 2**53: a string


@pytest.mark.parametrize("data", ["0x", "0x1234", "0xdeadbeef", "0xa9059cbb00"])
def test_decode_unknownOrTruncated_none(decoder: CalldataDecoder, client: ChainClient, data: str) -> None:
    assert decoder.decode(target=client.contract("ProvenanceToken").address, data=data) is None
