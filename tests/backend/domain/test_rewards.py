import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.domain.rewards import accumulate, pro_rata

weights_strategy = st.dictionaries(st.text(min_size=1, max_size=4), st.integers(0, 10**9), max_size=30)


@given(pool=st.integers(0, 10**30), weights=weights_strategy)
def test_proRata_anyPool_neverExceedsPoolAndDustBelowAccountCount(pool: int, weights: dict[str, int]) -> None:
    shares = pro_rata(pool=pool, weights=weights)
    paid = sum(shares.values())
    assert paid <= pool
    if sum(weights.values()) > 0:
        assert pool - paid < max(1, len(shares))
        assert set(shares) == {account for account, weight in weights.items() if weight > 0}


def test_proRata_knownSplit_roundsDown() -> None:
    assert pro_rata(pool=100, weights={"a": 1, "b": 2, "c": 0}) == {"a": 33, "b": 66}


def test_proRata_noWeight_allocatesNothing() -> None:
    assert pro_rata(pool=100, weights={"a": 0}) == {}


@pytest.mark.parametrize(("pool", "weights"), [(-1, {"a": 1}), (1, {"a": -1})])
def test_proRata_negativeInput_raises(pool: int, weights: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="negative"):
        pro_rata(pool=pool, weights=weights)


def test_accumulate_addsPerAccountAndKeepsOthers() -> None:
    assert accumulate({"a": 5, "b": 1}, {"a": 2}, {"c": 3}) == {"a": 7, "b": 1, "c": 3}


def test_accumulate_negativeIncrement_raises() -> None:
    with pytest.raises(ValueError, match="negative reward"):
        accumulate({}, {"a": -1})
