import pytest

from backend.domain.epochs import EpochClock


def test_epochOf_boundaries_areHalfOpen() -> None:
    clock = EpochClock(genesis=1_000, length=10)
    assert [clock.epoch_of(t) for t in (1_000, 1_009, 1_010, 1_019, 1_020)] == [1, 1, 2, 2, 3]
    assert clock.end_of(1) == 1_010


def test_epochOf_beforeGenesis_raises() -> None:
    with pytest.raises(ValueError, match="before the first epoch"):
        EpochClock(genesis=1_000, length=10).epoch_of(999)


def test_init_nonPositiveLength_raises() -> None:
    with pytest.raises(ValueError, match="must be positive"):
        EpochClock(genesis=0, length=0)
