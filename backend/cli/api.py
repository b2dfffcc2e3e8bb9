"""The platform's HTTP API as the CLI and the demo world use it: reads, Sign-In with Ethereum, uploads,
usage reports. Problem answers (RFC 9457) become ApiProblem with the API's own message."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import IO, Any

import httpx
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount


class ApiError(Exception):
    """Base of the errors talking to the API."""


class ApiUnreachable(ApiError):
    """Nothing answers at the API's URL."""


class ApiProblem(ApiError):
    """The API answered with an error; ``detail`` is its message."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"{detail} (HTTP {status})")
        self.status = status
        self.detail = detail


def siwe_message(*, address: str, challenge: dict[str, Any], issued_at: datetime | None = None) -> str:
    """The EIP-4361 message for the fields ``GET /v1/auth/nonce`` returned, as a wallet shows it."""
    stamp = (issued_at or datetime.now(UTC)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return "\n".join(
        [
            f"{challenge['domain']} wants you to sign in with your Ethereum account:",
            address,
            "",
            "Sign in to Provenant.",
            "",
            f"URI: {challenge['uri']}",
            f"Version: {challenge['version']}",
            f"Chain ID: {challenge['chain_id']}",
            f"Nonce: {challenge['nonce']}",
            f"Issued At: {stamp}",
        ]
    )


class _ProgressReader:
    """A file that reports how many bytes were read from it (httpx streams multipart uploads by reads)."""

    def __init__(self, file: IO[bytes], advance: Callable[[int], None]) -> None:
        self._file, self._advance = file, advance

    def read(self, size: int = -1) -> bytes:
        chunk = self._file.read(size)
        self._advance(len(chunk))
        return chunk

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()


class PlatformApi:
    """An HTTP client of the API at ``base_url``; ``sign_in`` makes later requests carry a session."""

    def __init__(self, base_url: str, *, timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PlatformApi:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """The JSON body of a successful answer (None when empty); ApiProblem or ApiUnreachable otherwise."""
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as error:
            raise ApiUnreachable(f"the API does not answer at {self.base_url} ({error})") from None
        if response.is_error:
            try:
                detail = str(response.json().get("detail") or response.reason_phrase)
            except ValueError:
                detail = response.text.strip()[:200] or response.reason_phrase
            raise ApiProblem(response.status_code, detail)
        return response.json() if response.content else None

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params={k: v for k, v in params.items() if v is not None})

    def sign_in(self, account: LocalAccount) -> str:
        """Signs in with SIWE as ``account``; returns the address the session is for."""
        challenge = self.get("/v1/auth/nonce")
        message = siwe_message(address=account.address, challenge=challenge)
        signature = account.sign_message(encode_defunct(text=message)).signature.to_0x_hex()
        session = self.request("POST", "/v1/auth/login", json={"message": message, "signature": signature})
        self._http.headers["Authorization"] = f"Bearer {session['token']}"
        return str(session["address"])

    def contribute(
        self,
        *,
        dataset_id: int,
        filename: str,
        media_type: str,
        file: IO[bytes],
        advance: Callable[[int], None] = lambda sent: None,
    ) -> dict[str, Any]:
        """Uploads ``file`` to ``dataset_id`` (signed in first); ``advance(bytes)`` follows the upload."""
        upload = _ProgressReader(file, advance)
        result: dict[str, Any] = self.request(
            "POST",
            "/v1/contributions",
            data={"dataset_id": str(dataset_id)},
            files={"file": (filename, upload, media_type)},
        )
        return result

    def create_operator_key(self, *, model_id: int, label: str) -> dict[str, Any]:
        """A new operator key for ``model_id`` (signed in first); its ``key`` is shown only here."""
        created: dict[str, Any] = self.request(
            "POST", "/v1/operator-keys", json={"model_id": model_id, "label": label}
        )
        return created

    def report_usage(self, *, operator_key: str, events: list[dict[str, Any]]) -> dict[str, Any]:
        receipt: dict[str, Any] = self.request(
            "POST", "/v1/usage", json={"events": events}, headers={"X-API-Key": operator_key}
        )
        return receipt
