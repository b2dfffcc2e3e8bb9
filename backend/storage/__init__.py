"""Content storage: files as IPFS UnixFS DAGs with the CIDs kubo gives, locally or on a kubo node."""

from backend.storage.cid import Cid
from backend.storage.content_store import ContentStore, content_store
from backend.storage.errors import (
    CidMismatchError,
    ContentNotFoundError,
    ContentStoreError,
    CorruptBlockError,
    InvalidCidError,
    InvalidDagError,
    UnsupportedContentError,
)
from backend.storage.kubo import KuboContentStore
from backend.storage.local import LocalContentStore

__all__ = [
    "Cid",
    "CidMismatchError",
    "ContentNotFoundError",
    "ContentStore",
    "ContentStoreError",
    "CorruptBlockError",
    "InvalidCidError",
    "InvalidDagError",
    "KuboContentStore",
    "LocalContentStore",
    "UnsupportedContentError",
    "content_store",
]
