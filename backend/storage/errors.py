"""What the content store raises. Every error names the CID (and where it looked) so an operator can act."""

from __future__ import annotations


class ContentStoreError(Exception):
    """Base class: the content store could not do what was asked."""


class InvalidCidError(ContentStoreError, ValueError):
    """A CID string or byte form that is malformed or uses something this store does not support."""


class ContentNotFoundError(ContentStoreError, LookupError):
    """A block of the requested DAG is not in the store."""


class CorruptBlockError(ContentStoreError):
    """A stored block's bytes no longer hash to its CID."""


class InvalidDagError(ContentStoreError):
    """A block hashes correctly but is not a well-formed dag-pb / UnixFS node, or its sizes disagree."""


class UnsupportedContentError(ContentStoreError):
    """Valid IPFS content of a kind this store does not read (a directory, another codec)."""


class CidMismatchError(ContentStoreError):
    """A kubo node gave a different CID than the local computation for the same bytes."""
