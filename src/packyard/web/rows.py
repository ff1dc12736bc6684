"""The versions page's rows: versions kept by their package's version generation, and rows
kept rendered.

Rendering 30 rows through Jinja (a call and an escape per value) and building 30 versions
from their rows were most of a versions page's time, where the REST API's list answers
from JSON it keeps by version generation. The page does the same: the versions it read are
kept under (version id, version generation), which every change to a package's versions
bumps in the change's transaction (so a kept version is the version as the page's own
transaction sees it, in every process); download counts change without the generation and
are read with every page. A row is a pure function of the values it is kept under.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import jinja2

from packyard.domain.types import Package, Version
from packyard.kept import keep
from packyard.services.packages import KeptVersionPage

# Versions, and rendered rows, kept; past it the oldest is dropped. Enough for a few
# pages of many packages (a row is ~0.5 kB). Rows are kept for each kind of page (a
# package's active or deleted listing, with or without actions, a restore form's session).
MAX_KEPT_VERSIONS = 8192
MAX_KEPT_ROWS = 8192
MAX_KINDS = 1024
# Whole pages of rows (~15 kB each), kept by what each of their rows is kept by: a page
# looked at again unchanged is one lookup, not one per row.
MAX_KEPT_BLOCKS = 512


@dataclass(frozen=True, slots=True)
class RowsOf:
    """What every row of one versions page shares: its state, paths and actions."""

    state: str  # "active" or "deleted"
    base: str  # the versions page's path
    version_prefix: str  # a version page's path but its id
    with_tags: bool
    actions: bool  # a Delete (Restore, when deleted) on every row
    csrf: str  # the restore form's token; "" on rows with no form


class VersionRows:
    def __init__(self, env: jinja2.Environment) -> None:
        module: Any = env.get_template("_version_row.html").module
        self._macro: Callable[..., str] = module.row
        self._versions: dict[tuple[int, int], Version] = {}
        # By (kind of page, version id, generation, download count): a page's `RowsOf` is
        # hashed once a page, to a number, not once a row.
        self._rows: dict[tuple[int, int, int, int], str] = {}
        self._kinds: dict[RowsOf, int] = {}
        self._blocks: dict[tuple[int, int, tuple[int, ...], tuple[int | None, ...]], bytes] = {}
        # Whole pages of kept versions, by (generation, the page's ids): one lookup, not 30.
        self._pages: dict[tuple[int, tuple[int, ...]], dict[int, Version]] = {}

    def kept(
        self, _package: Package, version_ids: list[int], generation: int
    ) -> dict[int, Version]:
        """Those versions as kept under this generation (`list_kept_versions`' `kept`; the
        dict is not to be changed)."""
        page_key = (generation, tuple(version_ids))
        found = self._pages.get(page_key)
        if found is not None:
            return found
        versions = self._versions
        found = {}
        for version_id in version_ids:
            version = versions.get((version_id, generation))
            if version is not None:
                found[version_id] = version
        if len(found) == len(version_ids):
            keep(self._pages, page_key, found, MAX_KEPT_BLOCKS)
        return found

    def render(self, page: KeptVersionPage[Version], shared: RowsOf) -> bytes:
        """The page's rows in order, as HTML encoded, keeping the versions it read, the rows
        it rendered and the whole of them."""
        generation, versions = page.generation, self._versions
        # Only a restore form carries the session's CSRF token: other rows are shared
        # between sessions (the versions page leaves it out of theirs already).
        if shared.csrf and not (shared.actions and shared.state == "deleted"):
            shared = replace(shared, csrf="")
        kind = self._kinds.get(shared)
        if kind is None:
            kind = len(self._kinds)
            if kind >= MAX_KINDS:
                # Numbers start again, and what was kept under the old ones goes with them.
                self._kinds.clear()
                self._rows.clear()
                self._blocks.clear()
                kind = 0
            self._kinds[shared] = kind
        ids = tuple(page.ids)
        # None for a version without a count (there is none: the counts are read with the
        # ids); shown as 0.
        counts = tuple(map(page.downloads.get, ids))
        block_key = (kind, generation, ids, counts)
        block = self._blocks.get(block_key)
        if block is not None:
            return block
        rows = self._rows
        parts = []
        for version_id, counted in zip(ids, counts, strict=True):
            count = counted or 0
            key = (kind, version_id, generation, count)
            row = rows.get(key)
            if row is None:
                version = page.kept.get(version_id)
                if version is None:
                    version = page.read[version_id]
                    keep(versions, (version_id, generation), version, MAX_KEPT_VERSIONS)
                row = self._macro(version, count, shared)
                keep(rows, key, row, MAX_KEPT_ROWS)
            parts.append(row)
        block = "".join(parts).encode()
        keep(self._blocks, block_key, block, MAX_KEPT_BLOCKS)
        return block
