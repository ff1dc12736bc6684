"""Checkpoints into a package's version order, so page 1,000 costs what page 1 does.

`OFFSET 99900` walks 99,900 index entries on every request. Instead, one scan records the
sort key of every `PAGE_CHECKPOINT_EVERY`-th version; a deep page then seeks to the nearest
checkpoint through the index and skips fewer than that many entries. Checkpoints are keyed
by the package's `version_generation`, which every change to its versions bumps in the same
transaction, so a stale index is never used, in this process or any other.

A page's download counts are kept the same way (`PageIndex.counts`), under the version
generation and the download generation that every batch of downloads written bumps.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from packyard.domain.types import VersionFilter
from packyard.kept import keep

# A skipped entry costs more from a checkpoint than from the start (SQLite checks the
# checkpoint's (created_at, id) against each): with one every 500, the web's page 3,000
# (offset 89,970) skipped 470 entries in ~3,600 SQLite VM steps where its page 1 read
# 30 in ~1,000. One every 100 skips at most 99, for five times the checkpoints (~130 kB
# for 100,000 versions).
PAGE_CHECKPOINT_EVERY = 100
# Offsets below this are cheaper to skip than to build checkpoints for.
SHALLOW_OFFSET = 2_000
MAX_INDEXED_LISTINGS = 256
# Pages whose download counts are kept (a dict of 30 counts each); past it the oldest goes.
MAX_COUNTED_PAGES = 1024

Key = tuple[int, VersionFilter, int]  # package id, which versions, version generation
Checkpoint = tuple[Any, int]  # (created_at, id) of a version at a multiple of the stride
# package id, version generation, download generation, the page's version ids
CountsKey = tuple[int, int, int, tuple[int, ...]]


class PageIndex:
    def __init__(self) -> None:
        self._entries: OrderedDict[Key, list[Checkpoint]] = OrderedDict()
        # The generation each listing's checkpoints were last asked for: a guess at the
        # next page's, which the page's statement checks (`guess`).
        self._generations: dict[tuple[int, VersionFilter], int] = {}
        self._counts: dict[CountsKey, dict[int, int]] = {}

    def counts(self, key: CountsKey, read: Callable[[], dict[int, int]]) -> dict[int, int]:
        """A page's download counts by version id, kept under its package's generations:
        every count written bumps one of them in the same transaction, so counts kept under
        the two read together are the page's counts (read again otherwise). Not to be
        changed by the caller: the next page with the same key gets the same dict."""
        found = self._counts.get(key)
        if found is None:
            found = read()
            keep(self._counts, key, found, MAX_COUNTED_PAGES)
        return found

    def anchor(
        self, key: Key, offset: int, build: Callable[[], list[Checkpoint]]
    ) -> tuple[int, Any, int] | None:
        """(offset of the checkpoint, its created_at, its id) at or before `offset`."""
        if offset < SHALLOW_OFFSET:
            return None
        checkpoints = self._entries.get(key)
        if checkpoints is None:
            checkpoints = build()
            self._entries[key] = checkpoints
            while len(self._entries) > MAX_INDEXED_LISTINGS:
                self._entries.popitem(last=False)
        else:
            self._entries.move_to_end(key)
        keep(self._generations, key[:2], key[2], MAX_INDEXED_LISTINGS)
        return _nearest(checkpoints, offset)

    def guess(
        self, listing: tuple[int, VersionFilter], offset: int
    ) -> tuple[int, tuple[int, Any, int]] | None:
        """The generation a listing's checkpoints were last asked for and the anchor they
        give `offset`, if they are still here: for a statement that reads the package's
        generation with the page, which is the page only if the generation is this one."""
        generation = self._generations.get(listing)
        if generation is None or offset < SHALLOW_OFFSET:
            return None
        checkpoints = self._entries.get((*listing, generation))
        found = _nearest(checkpoints, offset) if checkpoints is not None else None
        return None if found is None else (generation, found)


def _nearest(checkpoints: list[Checkpoint], offset: int) -> tuple[int, Any, int] | None:
    index = min(offset // PAGE_CHECKPOINT_EVERY, len(checkpoints) - 1)
    if index < 0:
        return None
    created_at, version_id = checkpoints[index]
    return index * PAGE_CHECKPOINT_EVERY, created_at, version_id
