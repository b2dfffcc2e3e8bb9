"""Types shared by the read routers: ids, addresses, on-chain amounts and call counts, pages.

On-chain amounts (token units up to 2**256) and call counts (uint64 to uint256 on chain) are JSON strings of
decimal digits: JSON numbers lose precision above 2**53 in most readers (JavaScript), and PROV amounts
(18 decimals) pass that at 0.009 PROV.
"""

from __future__ import annotations

from typing import Annotated, Generic, Literal, TypeVar

from fastapi import Path, Query
from pydantic import AfterValidator, BaseModel, Field, PlainSerializer, StringConstraints

from backend.chain.client import EdgeType, Permission
from backend.chain.manifest import checksum_address
from backend.models.licences import TermsVersion

MAX_ID = 2**63 - 1  # ids are 64-bit in the database; larger ones are a 422, not an overflow
MAX_PAGE_SIZE = 100

IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


def _checksummed(value: str) -> str:
    return checksum_address(value, what="the address")


# A 20-byte address, answered in EIP-55 form; mixed case must carry a valid checksum (else a typo).
Address = Annotated[str, StringConstraints(pattern=r"^0x[0-9a-fA-F]{40}$"), AfterValidator(_checksummed)]

Amount = Annotated[
    int,
    PlainSerializer(str, return_type=str, when_used="json"),
    Field(description="an on-chain amount in token units, as a decimal string"),
]
Calls = Annotated[
    int,
    PlainSerializer(str, return_type=str, when_used="json"),
    Field(description="a number of calls, as a decimal string"),
]

Offset = Annotated[int, Query(ge=0, le=MAX_ID, description="how many items to skip")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="how many items to return at most")]
Search = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=128,
        pattern=r"^[^\x00]+$",  # PostgreSQL text cannot hold NUL
        description="text to find in the manifest CID or the owner's address",
    ),
]

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    data: list[T]
    count: int = Field(description="how many items match in all (for pagination)")


PermissionName = Literal["COMMERCIAL", "DERIVATIVES", "DISTILLATION", "TRAIN_ON_OUTPUTS", "ATTRIBUTION"]
EdgeTypeName = Literal["FINE_TUNE", "DISTILL", "TRAIN_ON_OUTPUTS", "MERGE", "QUANTIZE"]


def edge_type_name(edge_type: int) -> EdgeTypeName:
    return EdgeType(edge_type).name  # type: ignore[return-value]


class TermsInfo(BaseModel):
    """Licence terms of a model, one version of them (a licence keeps the version it was bought under)."""

    version: int
    price: Amount
    duration: int = Field(description="seconds a licence stays valid after purchase")
    included_calls: Calls = Field(description="calls included in the price")
    fee_per_call: Amount = Field(description="fee for each call beyond the included ones, from usage credit")
    permissions: list[PermissionName]
    max_derivatives: int = Field(description="models one licence may derive")
    derivative_rev_share_bps: int = Field(description="share of every payment to a derived model (bps)")
    contributors_bps: int = Field(description="share of this model's revenue for its data contributors")
    block_number: int = Field(description="block in which these terms were published")

    @classmethod
    def of(cls, terms: TermsVersion) -> TermsInfo:
        return cls(
            version=terms.version,
            price=terms.price,
            duration=terms.duration,
            included_calls=terms.included_calls,
            fee_per_call=terms.fee_per_call,
            permissions=[flag.name for flag in Permission if terms.permissions & flag],
            max_derivatives=terms.max_derivatives,
            derivative_rev_share_bps=terms.derivative_rev_share_bps,
            contributors_bps=terms.contributors_bps,
            block_number=terms.block_number,
        )
