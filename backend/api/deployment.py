"""``/v1/deployment``: where the contracts are, for the web app and other clients.

The web app's ABIs are generated at build time; the addresses and the chain come from here (the deployment
manifest), so one build serves any deployment.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from backend.api.deps import ChainDep, SettingsDep
from backend.api.problems import problem_responses

router = APIRouter(prefix="/v1/deployment", tags=["deployment"])


class Deployment(BaseModel):
    chain_id: int
    rpc_url: str = Field(description="a JSON-RPC endpoint of the chain for reads from the browser")
    deployment_block: int = Field(description="the block the contracts were deployed in")
    payment_token: str = Field(description="the ERC-20 licences and usage are paid in")
    contracts: dict[str, str] = Field(description="contract name -> address")


@router.get(
    "",
    responses=problem_responses(
        503, service_unavailable="The node does not answer, or no deployment is configured"
    ),
    summary="The chain and the contracts' addresses",
)
def deployment(chain: ChainDep, settings: SettingsDep) -> Deployment:
    manifest = chain().manifest
    return Deployment(
        chain_id=manifest.chain_id,
        rpc_url=settings.public_rpc_url or settings.rpc_url,
        deployment_block=manifest.deployment_block,
        payment_token=manifest.payment_token,
        contracts={name: entry.address for name, entry in sorted(manifest.contracts.items())},
    )
