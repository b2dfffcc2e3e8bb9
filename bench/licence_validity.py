"""The gateways' licence validity check over HTTP, beside FastAPI's minimal validated POST, same machine, same run.

Each app is served by one uvicorn worker process (the API on PostgreSQL, with its middlewares: problems,
metrics) pinned to core 0; the load comes from wrk pinned to core 1, over loopback, for a fixed time. The
validity check asks about licences picked at random among ``LICENCES`` (a gateway's working set), each
loaded from the database when first asked about, then answered by the in-process cache, which reloads the
working set every 2 s in the background. The minimal POST is FastAPI's tutorial shape: a plain ``def``
route taking and returning a pydantic model.

Needs PostgreSQL on 127.0.0.1:5432 (as the tests) and wrk from Debian::

    apt-get install wrk
    uv run python -m bench.licence_validity

Writes bench/results/licence_validity.md. Target: ≥ 3,000 req/s with p99 ≤ 20 ms.
"""

from __future__ import annotations

import datetime
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import create_engine, insert, text

from backend.core.db import create_db_engine, upgrade_database
from backend.devchain import free_port
from backend.models.licences import Licence, TermsVersion

LICENCES = 1_000
CONNECTIONS = 16
DURATION = "15s"
WARM_UP = "3s"
POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
RESULTS = Path(__file__).resolve().parent / "results" / "licence_validity.md"
# The server and the load generator each on a core of their own, so they do not take turns on one.
PIN_SERVER, PIN_LOAD = ("taskset", "-c", "0"), ("taskset", "-c", "1")

VALIDITY_SCRIPT = f"""
math.randomseed(1)
request = function()
  return wrk.format("GET", "/v1/licences/" .. math.random(1, {LICENCES}) .. "/validity")
end
"""
POST_SCRIPT = """
wrk.method = "POST"
wrk.body = '{"id": 1, "name": "licence"}'
wrk.headers["Content-Type"] = "application/json"
"""


class Item(BaseModel):
    id: int
    name: str


def minimal_app() -> FastAPI:
    """FastAPI's minimal validated POST: a body model in, the same model out."""
    app = FastAPI()

    @app.post("/items")
    def create_item(item: Item) -> Item:
        return item

    return app


@dataclass(frozen=True)
class Run:
    label: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float


@contextmanager
def _database() -> Iterator[str]:
    """A new PostgreSQL database, migrated, with ``LICENCES`` valid licences; dropped afterwards."""
    name = f"provenant_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = create_db_engine(url)
    try:
        upgrade_database(engine)
        expires_at = int(time.time()) + 86_400
        with engine.begin() as connection:
            connection.execute(
                insert(TermsVersion),
                [
                    {
                        "model_id": 1,
                        "version": 1,
                        "price": 100_000_000,
                        "duration": 86_400,
                        "contributors_bps": 2_000,
                        "derivative_rev_share_bps": 1_000,
                        "permissions": 1,
                        "fee_per_call": 1_000,
                        "included_calls": 1_000,
                        "block_number": 1,
                    }
                ],
            )
            connection.execute(
                insert(Licence),
                [
                    {
                        "id": licence_id,
                        "model_id": 1,
                        "holder": "0x" + f"{licence_id:040x}",
                        "terms_version": 1,
                        "expires_at": expires_at,
                        "credit": 0,
                        "settled_calls": 0,
                        "last_settled_epoch": 0,
                        "suspended": False,
                    }
                    for licence_id in range(1, LICENCES + 1)
                ],
            )
        yield url
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def _server(factory: str, env: dict[str, str], probe: str) -> Iterator[str]:
    """``uvicorn --factory factory`` with one worker on a free loopback port, until the block ends."""
    port = free_port()
    process = subprocess.Popen(
        [
            *PIN_SERVER,
            sys.executable,
            *("-m", "uvicorn", "--factory", factory),
            *("--host", "127.0.0.1", "--port", str(port), "--workers", "1"),
            *("--log-level", "warning", "--no-access-log"),
        ],
        env={**os.environ, **env},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + probe, timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{factory} did not start") from None
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def _milliseconds(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if match is None:
        raise ValueError(f"unexpected wrk latency {value!r}")
    return float(match.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[match.group(2)]


def _wrk(label: str, base: str, script: str, path: str) -> Run:
    """wrk on one thread for ``DURATION`` after a warm-up; refuses a run with any non-2xx answer."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    try:
        command = [*PIN_LOAD, "wrk", "-t1", f"-c{CONNECTIONS}", "--latency", "-s", file.name, base + path]
        subprocess.run([*command, f"-d{WARM_UP}"], check=True, capture_output=True)
        output = subprocess.run(
            [*command, f"-d{DURATION}"], check=True, capture_output=True, text=True
        ).stdout
    finally:
        os.unlink(file.name)
    if "Non-2xx" in output or "Socket errors" in output:
        raise RuntimeError(f"{label}: failed requests\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _milliseconds(re.search(r"50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    p99 = _milliseconds(re.search(r"99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    return Run(label, rate, p50, p99)


def main() -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk not found: apt-get install wrk")
    with tempfile.TemporaryDirectory() as data_dir, _database() as url:
        env = {"PROVENANT_DATABASE_URL": url, "PROVENANT_DATA_DIR": data_dir}
        with _server("backend.main:create_app", env, "/healthz") as base:
            validity = _wrk("GET /v1/licences/{id}/validity", base, VALIDITY_SCRIPT, "/")
        with _server("bench.licence_validity:minimal_app", {}, "/docs") as base:
            minimal = _wrk("FastAPI minimal validated POST", base, POST_SCRIPT, "/items")

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    verdict = "met" if validity.requests_per_second >= 3_000 and validity.p99_ms <= 20 else "NOT met"
    lines = [
        "# Licence validity check",
        "",
        f"Produced by `uv run python -m bench.licence_validity` on {datetime.date.today()}: {cpu}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}. One uvicorn worker per app (uvloop, "
        f"httptools) on core 0; load from `wrk -t1 -c{CONNECTIONS} -d{DURATION} --latency` on core 1 over "
        f"loopback, after a {WARM_UP} warm-up. The validity check asks about {LICENCES:,} licences at random "
        "(PostgreSQL; the in-process cache reloads them every 2 s in the background); the API runs with its "
        "problem and metrics middlewares. The minimal POST is a plain `def` route taking and returning a "
        "pydantic model. wrk comes from Debian (`apt-get install wrk`).",
        "",
        f"Target: ≥ 3,000 req/s with p99 ≤ 20 ms: **{verdict}**.",
        "",
        "| endpoint | req/s | p50 | p99 | ratio to minimal POST |",
        "|---|---:|---:|---:|---:|",
    ]
    for run in (validity, minimal):
        lines.append(
            f"| {run.label} | {run.requests_per_second:,.0f} | {run.p50_ms:.2f} ms | {run.p99_ms:.2f} ms | "
            f"{run.requests_per_second / minimal.requests_per_second:.2f} |"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")
    print(RESULTS.read_text())


if __name__ == "__main__":
    main()
