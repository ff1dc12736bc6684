"""SQLite reads a version listing's ids from one of the two partial indexes alone (0013):
the live versions' or the deleted ones', never the table and never every version."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from packyard.domain.types import VersionFilter
from packyard.storage.db import page_queries as pq


@pytest.mark.parametrize("shown", list(VersionFilter))
@pytest.mark.parametrize("anchored", [False, True])
def test_a_listing_reads_its_index_alone(
    engine: Engine, backend: str, shown: VersionFilter, anchored: bool
) -> None:
    if backend != "sqlite":
        pytest.skip("SQLite's query plans")
    index = "deleted_order" if shown is VersionFilter.DELETED else "live_order"
    compiled = pq.version_page_ids(shown, anchored).statement.compile(dialect=engine.dialect)
    params = [None] * len(compiled.positiontup or [])
    raw = engine.raw_connection()
    try:
        cursor = raw.driver_connection.cursor()  # type: ignore[union-attr]
        plan = [row[-1] for row in cursor.execute(f"EXPLAIN QUERY PLAN {compiled}", params)]
    finally:
        raw.close()
    versions = [step for step in plan if "package_versions" in step]
    assert versions == [
        step for step in versions if f"COVERING INDEX ix_package_versions_{index}" in step
    ], plan
    assert versions, plan
