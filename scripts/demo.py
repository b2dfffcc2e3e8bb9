"""`make demo` (and `provenant demo`): the whole platform on embedded defaults, in one command.

Runs ``backend.devplatform.running_platform`` on ``.data/`` (chain on port 8645, API on 8000; override with
PROVENANT_DATA_DIR, PROVENANT_CHAIN_PORT, PROVENANT_API_PORT, PROVENANT_DATABASE_URL, PROVENANT_BROKER_URL),
prints where everything is and who is who in the seeded world, and waits for Ctrl-C, which stops everything
and saves the chain's state; a later run resumes with the same data. Epochs last two minutes, so one closes
by itself while you watch.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from backend.devchain import MNEMONIC, PROJECT_ROOT
from backend.devplatform import RunningPlatform, running_platform


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def describe(platform: RunningPlatform) -> str:
    manifest, world = platform.manifest, platform.world
    lines = [
        "",
        f"Provenant is running on chain {manifest['chainId']} ({platform.rpc_url})",
        f"  web app  {platform.api_url}/",
        f"  API      {platform.api_url}/v1/docs",
        f"  logs     {platform.data_dir / 'logs'}",
        f"Contracts (manifest {platform.manifest_path}):",
        *(f"  {name:<20} {contract['address']}" for name, contract in manifest["contracts"].items()),
    ]
    if world is not None:
        lines += [
            f"Seeded world: datasets {', '.join(map(str, world.dataset_ids))}; teacher model "
            f"{world.teacher_model_id}; student model {world.student_model_id} (distilled under licence "
            f"{world.distillation_licence_id})",
            f"  operator key of the student's gateway: {world.operator_key}",
            f"Development accounts (10,000 ETH each; mnemonic {MNEMONIC!r}):",
            *(
                f"  [{account.index}] {account.address}  {account.role.value:<19} {account.private_key}"
                for account in world.accounts.values()
            ),
        ]
    lines.append(f"Press Ctrl-C to stop; the state is kept in {platform.data_dir}")
    return "\n".join(lines)


def main() -> None:
    environ = os.environ
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        with running_platform(
            data_dir=Path(environ.get("PROVENANT_DATA_DIR") or PROJECT_ROOT / ".data"),
            chain_port=int(environ.get("PROVENANT_CHAIN_PORT") or 8645),
            api_port=int(environ.get("PROVENANT_API_PORT") or 8000),
            database_url=environ.get("PROVENANT_DATABASE_URL") or None,
            broker_url=environ.get("PROVENANT_BROKER_URL") or None,
        ) as platform:
            print(describe(platform), flush=True)
            try:
                signal.pause()
            finally:
                signal.signal(
                    signal.SIGINT, signal.SIG_IGN
                )  # a second Ctrl-C must not cut the shutdown short
    except KeyboardInterrupt:
        pass
    print("Stopped; state saved.")


if __name__ == "__main__":
    main()
