"""Epochs: the fixed-length periods by which usage is metered and rewards are settled."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class EpochClock:
    """Epoch 1 starts at ``genesis`` (unix seconds); each lasts ``length`` seconds.

    Epochs start at 1 because the licence manager treats epoch 0 as "never settled".
    """

    genesis: int
    length: int

    def __post_init__(self) -> None:
        if self.length <= 0:
            raise ValueError(f"epoch length must be positive, got {self.length}")

    def epoch_of(self, timestamp: int) -> int:
        """The epoch holding ``timestamp``; ValueError before genesis."""
        if timestamp < self.genesis:
            raise ValueError(f"timestamp {timestamp} is before the first epoch ({self.genesis})")
        return (timestamp - self.genesis) // self.length + 1

    def end_of(self, epoch: int) -> int:
        """The first second after ``epoch``."""
        return self.genesis + epoch * self.length
