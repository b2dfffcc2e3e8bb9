"""`provenant deploy`: scripts/deploy.py through `brownie run` on any JSON-RPC node, signed with a private key.

Brownie keeps its network list in ~/.brownie; the deployment gets a home of its own (as backend/devchain.py
does) naming one live network, the node at ``rpc_url``, so nothing else on the machine is read or changed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from tempfile import TemporaryDirectory

from web3 import HTTPProvider, Web3

from backend.chain.client import ChainUnavailable
from backend.devchain import PROJECT_ROOT

NETWORK_ID = "provenant-deploy"
# How scripts/deploy.py's refusals and post-deployment checks appear in brownie's output.
_UNSAFE, _CHECKED = "UnsafeDeployment: ", "checked: "


class DeploymentFailed(RuntimeError):
    """`brownie run scripts/deploy.py` failed; the message ends with its output."""


def deploy_contracts(
    *,
    rpc_url: str,
    private_key: str,
    manifest_path: Path,
    oracle: str | None,
    guardian: str | None,
    payment_token: str | None,
    treasury: str | None = None,
    genesis_recipient: str | None = None,
) -> list[str]:
    """Deploys every contract from ``private_key``'s account and writes ``manifest_path``; returns what the
    deploy script checked afterwards (who holds roles and votes), one finding a line."""
    try:
        chain_id = Web3(HTTPProvider(rpc_url, request_kwargs={"timeout": 30})).eth.chain_id
    except Exception as error:
        raise ChainUnavailable(f"no Ethereum node answers at {rpc_url}: {type(error).__name__}") from None
    # Brownie records live deployments in build/deployments and reloads them on the next run, which fails
    # once the chain has forgotten them (a development node restarted or reverted). Provenant reads only the
    # manifest, so the records go.
    shutil.rmtree(PROJECT_ROOT / "build" / "deployments", ignore_errors=True)
    with TemporaryDirectory(prefix="provenant-deploy-") as home:
        brownie_home = Path(home) / ".brownie"
        brownie_home.mkdir()
        (brownie_home / "network-config.yaml").write_text(
            "development: []\n"
            "live:\n"
            "- name: Provenant\n"
            "  networks:\n"
            f"  - id: {NETWORK_ID}\n"
            "    name: provenant deploy\n"
            f"    chainid: {chain_id}\n"
            f"    host: {rpc_url}\n"
        )
        roles = {
            "PROVENANT_ORACLE": oracle,
            "PROVENANT_GUARDIAN": guardian,
            "PROVENANT_PAYMENT_TOKEN": payment_token,
            "PROVENANT_TREASURY": treasury,
            "PROVENANT_GENESIS_RECIPIENT": genesis_recipient,
        }
        env = {
            **{name: value for name, value in os.environ.items() if name not in roles},
            **{name: value for name, value in roles.items() if value is not None},
            "HOME": home,
            "SOLCX_BINARY_PATH": os.environ.get("SOLCX_BINARY_PATH", str(PROJECT_ROOT / "scripts" / "solc")),
            "PROVENANT_MANIFEST": str(manifest_path),
            "PROVENANT_DEPLOYER_KEY": private_key,
        }
        completed = subprocess.run(
            [
                str(Path(sys.executable).with_name("brownie")),
                "run",
                "scripts/deploy.py",
                "--network",
                NETWORK_ID,
            ],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if completed.returncode != 0 or not manifest_path.exists():
        output = (completed.stdout + completed.stderr).replace(private_key, "<key>")
        refused = [line.split(_UNSAFE, 1)[1] for line in output.splitlines() if _UNSAFE in line]
        if refused:
            raise DeploymentFailed(refused[-1].strip())
        last = [line for line in output.splitlines() if line.strip()][-1:] or ["no output"]
        raise DeploymentFailed(
            f"the deployment failed ({last[0].strip()}); run with a funded key and see brownie's output"
        )
    return [line.split(_CHECKED, 1)[1] for line in completed.stdout.splitlines() if _CHECKED in line]
