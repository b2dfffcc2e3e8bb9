"""CID computation throughput: LocalContentStore's DAG builder against Debian's Rust ``ipfs_cid``.

Run with ``uv run python -m bench.cid_throughput`` (``--size-mib``, ``--runs``); writes
bench/results/cid_throughput.md. Both sides read the same file from the page cache (it is read once
before timing) and compute kubo's default CIDv0; the runs alternate so machine load hits both alike.
Figures are wall-clock MiB/s, ``ipfs_cid`` including its process start. Also measured: ``put_stream``
into a fresh LocalContentStore, i.e. the same work plus writing every block to disk with an fsync, and a
plain sha2-256 of the file, the floor under any CID computation.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from backend.storage.local import LocalContentStore
from backend.storage.unixfs import CHUNK_SIZE, build_file_dag

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RESULTS = PROJECT_ROOT / "bench" / "results" / "cid_throughput.md"
MIB = 1 << 20


def _write_sample(path: Path, size_mib: int) -> None:
    rng = random.Random(20240611)
    with path.open("wb") as file:
        for _ in range(size_mib):
            file.write(rng.randbytes(MIB))


def _read_through(path: Path) -> None:
    with path.open("rb") as file:
        while file.read(MIB):
            pass


def _timed(action: Callable[[], str]) -> tuple[float, str]:
    start = time.perf_counter()
    cid = action()
    return time.perf_counter() - start, cid


def _local_cid(path: Path) -> str:
    with path.open("rb") as file:
        return str(build_file_dag(stream=file))


def _sha256_only(path: Path) -> str:
    """The file's plain sha2-256, read the same way: the hashing floor under any CID computation."""
    hasher = hashlib.sha256()
    buffer = memoryview(bytearray(CHUNK_SIZE))
    with path.open("rb") as file:
        while count := file.readinto(buffer):
            hasher.update(buffer[:count])
    return hasher.hexdigest()


def _ipfs_cid(tool: str, path: Path) -> str:
    completed = subprocess.run([tool, str(path)], capture_output=True, text=True, check=True)
    return str(json.loads(completed.stdout)["CIDv0"])


def _local_put(path: Path, work: Path) -> str:
    root = work / "store"
    shutil.rmtree(root, ignore_errors=True)
    with path.open("rb") as file:
        return str(LocalContentStore(root=root).put_stream(stream=file))


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _ipfs_cid_version() -> str:
    completed = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", "ipfs-cid"], capture_output=True, text=True, check=False
    )
    return completed.stdout.strip() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-mib", type=int, default=256, help="size of the sample file")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each side (median reported)")
    args = parser.parse_args()
    tool = shutil.which("ipfs_cid")
    if tool is None:
        sys.exit("ipfs_cid is not installed: run `make install` (Debian package ipfs-cid)")

    with tempfile.TemporaryDirectory(prefix="cid-bench-") as scratch:
        work = Path(scratch)
        sample = work / "sample.bin"
        _write_sample(sample, args.size_mib)
        _read_through(sample)  # into the page cache, so no side pays for the first read from disk
        timings: dict[str, list[float]] = {"local": [], "ipfs_cid": [], "put": [], "sha256": []}
        cids: set[str] = set()
        for _ in range(args.runs):
            for name, action in (
                ("local", lambda: _local_cid(sample)),
                ("ipfs_cid", lambda: _ipfs_cid(tool, sample)),
                ("put", lambda: _local_put(sample, work)),
            ):
                seconds, cid = _timed(action)
                timings[name].append(seconds)
                cids.add(cid)
            timings["sha256"].append(_timed(lambda: _sha256_only(sample))[0])
    if len(cids) != 1:
        sys.exit(f"the sides disagree on the CID: {sorted(cids)}")

    # Peak resident memory: this process (the Python side) and the largest child (ipfs_cid).
    python_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    ipfs_cid_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    speed = {name: [args.size_mib / seconds for seconds in runs] for name, runs in timings.items()}
    median = {name: statistics.median(values) for name, values in speed.items()}
    rows = [
        (
            "LocalContentStore DAG builder (`build_file_dag`, CID only)",
            "local",
            f"{python_rss} (whole bench process)",
        ),
        ("`ipfs_cid FILE` (Debian ipfs-cid, Rust)", "ipfs_cid", str(ipfs_cid_rss)),
        ("LocalContentStore `put_stream` (CID + blocks to disk, fsync each)", "put", "—"),
        ("for reference: plain `hashlib.sha256` of the file, same reads", "sha256", "—"),
    ]
    table = [
        "| what | median MiB/s | runs (MiB/s) | peak RSS (MiB) |",
        "|---|---:|---|---:|",
        *(
            f"| {label} | {median[key]:.0f} | {', '.join(f'{value:.0f}' for value in speed[key])} | {rss} |"
            for label, key, rss in rows
        ),
    ]
    command = f"uv run python -m bench.cid_throughput --size-mib {args.size_mib} --runs {args.runs}"
    report = "\n".join(
        [
            "# CID computation throughput",
            "",
            f"Produced by `{command}` (bench/cid_throughput.py) on"
            f" {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC.",
            "",
            f"Machine: {_cpu_model()}, {os.cpu_count()} cores shared with other work"
            f" (load average {os.getloadavg()[0]:.1f} at the end of the run), Linux {platform.release()},"
            f" Python {platform.python_version()}, ipfs-cid {_ipfs_cid_version()}.",
            "",
            f"Input: one {args.size_mib} MiB file of seeded random bytes, in the page cache; both sides give"
            f" {cids.pop()}. Runs alternate between the sides; MiB/s = size / wall-clock time"
            " (`ipfs_cid` includes its process start).",
            "",
            *table,
            "",
            f"Ratio LocalContentStore / ipfs_cid (medians): **{median['local'] / median['ipfs_cid']:.2f}**.",
            "",
        ]
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report)
    print(report)


if __name__ == "__main__":
    main()
