"""Copies a process keeps of what it built (records, rendered JSON and HTML), bounded: past
the bound the oldest kept goes first."""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


def keep(kept: dict[K, V], key: K, value: V, most: int) -> None:
    """`value` kept under `key`, the oldest kept let go first when `most` are kept."""
    if len(kept) >= most:
        # With a default: two worker threads may let the same oldest one go at once.
        kept.pop(next(iter(kept)), None)
    kept[key] = value
