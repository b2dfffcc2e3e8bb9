"""Which content store the settings select, and where the embedded one keeps its blocks."""

from __future__ import annotations

from pathlib import Path

from backend.storage import KuboContentStore, LocalContentStore, content_store


def test_contentStore_noIpfsApi_localStoreInDataDir(tmp_path: Path) -> None:
    store = content_store(data_dir=tmp_path / "data", ipfs_api=None)
    assert isinstance(store, LocalContentStore)
    assert store.root == tmp_path / "data" / "ipfs"
    cid = store.put(data=b"embedded")
    assert store.get(cid=cid) == b"embedded"
    assert (tmp_path / "data" / "ipfs" / "blocks").is_dir()


def test_contentStore_ipfsApi_selectsKubo(tmp_path: Path) -> None:
    store = content_store(data_dir=tmp_path, ipfs_api="http://127.0.0.1:5001")
    assert isinstance(store, KuboContentStore)
    assert store.api_url == "http://127.0.0.1:5001"
