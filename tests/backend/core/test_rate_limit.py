"""Fixed-window limiters, in process and in Redis, under a controlled clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from backend.core.rate_limit import InMemoryRateLimiter, RateLimit, RateLimiter, RedisRateLimiter

THREE_PER_MINUTE = RateLimit(requests=3, period_seconds=60)


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "redis"])
def make_limiter(request: pytest.FixtureRequest) -> Iterator[Callable[[Clock], RateLimiter]]:
    limiters: list[RateLimiter] = []

    def make(clock: Clock) -> RateLimiter:
        if request.param == "memory":
            limiter: RateLimiter = InMemoryRateLimiter(clock=clock)
        else:
            url, prefix = request.getfixturevalue("redis_url"), request.getfixturevalue("redis_prefix")
            limiter = RedisRateLimiter(url, prefix=prefix, clock=clock)
        limiters.append(limiter)
        return limiter

    yield make
    for limiter in limiters:
        limiter.close()


def test_hit_over_limit_returns_seconds_to_next_window(make_limiter: Callable[[Clock], RateLimiter]) -> None:
    limiter = make_limiter(Clock(6_000_015.2))  # 15.2 s into a minute

    allowed = [limiter.hit("ip:1.2.3.4", THREE_PER_MINUTE) for _ in range(3)]
    refused = limiter.hit("ip:1.2.3.4", THREE_PER_MINUTE)

    assert allowed == [None, None, None]
    assert refused == 45  # 44.8 s rounded up: Retry-After is in whole seconds


def test_hit_next_window_starts_afresh(make_limiter: Callable[[Clock], RateLimiter]) -> None:
    clock = Clock(6_000_059.0)
    limiter = make_limiter(clock)
    for _ in range(4):
        limiter.hit("address:0xabc", THREE_PER_MINUTE)

    clock.now = 6_000_060.0

    assert limiter.hit("address:0xabc", THREE_PER_MINUTE) is None


def test_hit_keys_are_counted_apart(make_limiter: Callable[[Clock], RateLimiter]) -> None:
    limiter = make_limiter(Clock(6_000_000.0))
    for _ in range(3):
        limiter.hit("key:1", THREE_PER_MINUTE)

    assert limiter.hit("key:2", THREE_PER_MINUTE) is None
    assert limiter.hit("key:1", THREE_PER_MINUTE) is not None


def test_hit_redis_unreachable_lets_request_through() -> None:
    # Nothing listens on port 1: the connection is refused at once.
    limiter = RedisRateLimiter("redis://127.0.0.1:1/0", prefix="unused:")

    assert [limiter.hit("ip:1.2.3.4", RateLimit(requests=1, period_seconds=60)) for _ in range(3)] == [
        None
    ] * 3


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("60/minute", RateLimit(requests=60, period_seconds=60)),
        ("5 / seconds", RateLimit(requests=5, period_seconds=1)),
        ("1000/day", RateLimit(requests=1000, period_seconds=86400)),
    ],
)
def test_rate_limit_parses_and_prints_text(text: str, limit: RateLimit) -> None:
    parsed = RateLimit.model_validate(text)

    assert parsed == limit
    assert RateLimit.model_validate(str(parsed)) == limit
