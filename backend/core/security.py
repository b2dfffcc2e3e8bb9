"""Secrets handed to clients (session tokens, operator API keys) and how they are stored.

Both are 256 random bits, so they cannot be guessed and a fast hash is enough to store them: nothing
dictionary-like to brute-force, which is what slow password hashes defend against, and a fast deterministic
hash can be looked up through a unique index. The database never holds a usable secret.

* Session tokens are hashed with HMAC-SHA256 keyed by the session secret: a copy of the database alone
  cannot even confirm a stolen token, and rotating the secret signs everybody out.
* API keys are hashed with plain SHA-256, so they survive a rotation of the session secret: they are
  configured in operators' gateways and should only change when their owner revokes them.

The prefixes (``pvs_``, ``pvk_``) tell the two apart at a glance and let secret scanners recognise them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

SESSION_TOKEN_PREFIX = "pvs_"
API_KEY_PREFIX = "pvk_"
API_KEY_DISPLAY_LENGTH = 12  # "pvk_" and 8 random characters: identifies a key, reveals 48 of its 256 bits

_NONCE_ALPHABET = string.ascii_letters + string.digits
NONCE_LENGTH = 22  # EIP-4361 nonces are alphanumeric; 22 characters carry 130 bits


def new_nonce() -> str:
    return "".join(secrets.choice(_NONCE_ALPHABET) for _ in range(NONCE_LENGTH))


def new_session_token() -> str:
    return SESSION_TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_session_token(token: str, secret: str) -> str:
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()


def new_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
