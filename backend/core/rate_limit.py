"""Fixed-window rate limiting, shared through Redis or kept in this process.

A limit of ``N/period`` allows ``N`` requests per identity in each aligned window of ``period`` seconds
(e.g. 12:00:00-12:00:59 for ``/minute``). A fixed window costs one atomic increment per request; its known
weakness, up to ``2N`` requests around a window boundary, is acceptable for abuse protection.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import redis
from pydantic import BaseModel, ConfigDict, Field, model_serializer, model_validator
from pydantic_core import PydanticCustomError

logger = logging.getLogger(__name__)

PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_LIMIT_SYNTAX = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour|day)s?\s*$")


class RateLimit(BaseModel):
    """``requests`` per ``period_seconds``; written ``"60/minute"`` in settings and the environment."""

    model_config = ConfigDict(frozen=True)

    requests: int = Field(ge=1)
    period_seconds: int = Field(ge=1)

    @model_validator(mode="before")
    @classmethod
    def _parse_text(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        match = _LIMIT_SYNTAX.match(value)
        if match is None:
            raise PydanticCustomError(
                "rate_limit",
                "'{value}' is not a rate limit: write it as REQUESTS/PERIOD, e.g. '60/minute' (periods: {periods})",
                {"value": value, "periods": ", ".join(PERIODS)},
            )
        return {"requests": int(match[1]), "period_seconds": PERIODS[match[2]]}

    @model_serializer
    def _as_text(self) -> str:
        return str(self)

    def __str__(self) -> str:
        unit = next((name for name, seconds in PERIODS.items() if seconds == self.period_seconds), None)
        return f"{self.requests}/{unit}" if unit else f"{self.requests} per {self.period_seconds} s"


class RateLimiter(Protocol):
    def hit(self, key: str, limit: RateLimit) -> int | None:
        """Counts one request for ``key``; returns None if allowed, else the seconds until the next window."""

    def close(self) -> None: ...


def _window(limit: RateLimit, now: float) -> tuple[int, int]:
    """The current window's index and the whole seconds left in it (at least 1, for Retry-After)."""
    index = int(now // limit.period_seconds)
    return index, max(1, math.ceil((index + 1) * limit.period_seconds - now))


class InMemoryRateLimiter:
    """Per-process counters: right for one API process (the embedded default), not shared between processes."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        # (period, window index) -> key -> count; windows that have passed are dropped on the next hit.
        self._counts: dict[tuple[int, int], dict[str, int]] = {}

    def hit(self, key: str, limit: RateLimit) -> int | None:
        index, retry_after = _window(limit, self._clock())
        window = (limit.period_seconds, index)
        with self._lock:
            for stale in [w for w in self._counts if w[0] == limit.period_seconds and w[1] < index]:
                del self._counts[stale]
            counts = self._counts.setdefault(window, {})
            counts[key] = counts.get(key, 0) + 1
            return retry_after if counts[key] > limit.requests else None

    def close(self) -> None:
        self._counts.clear()


class RedisRateLimiter:
    """Counters in Redis, shared by every API process. If Redis is unreachable requests are let through (and
    logged): an outage of the limiter should not take the API down with it."""

    def __init__(self, url: str, *, prefix: str, clock: Callable[[], float] = time.time) -> None:
        # Short timeouts: a slow Redis must not stall every request behind it.
        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._prefix = f"{prefix}ratelimit:"
        self._clock = clock

    def hit(self, key: str, limit: RateLimit) -> int | None:
        index, retry_after = _window(limit, self._clock())
        redis_key = f"{self._prefix}{key}:{limit.period_seconds}:{index}"
        try:
            with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(redis_key)
                pipe.expire(redis_key, limit.period_seconds + 1, nx=True)
                count, _ = pipe.execute()
        except redis.RedisError as exc:
            logger.warning("rate limiter: Redis unavailable, request allowed (%s)", exc)
            return None
        return retry_after if int(count) > limit.requests else None

    def close(self) -> None:
        self._redis.close()
