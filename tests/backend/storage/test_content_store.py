"""Which content store the environment selects, and where the embedded one keeps its blocks."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.storage.content_store import content_store_from_env
from backend.storage.kubo import KuboContentStore
from backend.storage.local import LocalContentStore


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PROVENANT_IPFS_API", raising=False)
    monkeypatch.delenv("PROVENANT_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)


def test_content_store_from_env_defaults_to_local_store_in_data_dir(tmp_path: Path) -> None:
    store = content_store_from_env()
    assert isinstance(store, LocalContentStore)
    assert store.root == Path(".data/ipfs")
    cid = store.put(data=b"embedded")
    assert store.get(cid=cid) == b"embedded"
    assert (tmp_path / ".data" / "ipfs" / "blocks").is_dir()


def test_content_store_from_env_data_dir_setting_moves_local_store(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PROVENANT_DATA_DIR", str(tmp_path / "data"))
    store = content_store_from_env()
    assert isinstance(store, LocalContentStore)
    assert store.root == tmp_path / "data" / "ipfs"


def test_content_store_from_env_ipfs_api_setting_selects_kubo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROVENANT_IPFS_API", "http://127.0.0.1:5001")
    store = content_store_from_env()
    assert isinstance(store, KuboContentStore)
    assert store.api_url == "http://127.0.0.1:5001"


def test_content_store_from_env_empty_ipfs_api_keeps_local(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROVENANT_IPFS_API", "")
    assert isinstance(content_store_from_env(), LocalContentStore)
