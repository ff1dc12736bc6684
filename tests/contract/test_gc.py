"""Garbage collection's guarantees that do not need a client: one collector per database,
and bytes a publish is about to name are never judged abandoned."""

from __future__ import annotations

import os
import time
from pathlib import Path

from sqlalchemy import Engine

from packyard.core.files import ingest
from packyard.server import build_store
from packyard.storage.blobs.filesystem import FilesystemBlobStore


def test_one_collector_at_a_time(engine: Engine, backend: str) -> None:
    """Processes sharing a PostgreSQL database elect one collector (an advisory lock); the
    others skip the sweep. SQLite serializes writers on its one file, so each may sweep."""
    first, second = build_store(engine), build_store(engine)
    with first.gc_leader() as leading:
        assert leading
        with second.gc_leader() as also:
            assert also is (backend == "sqlite")
    with second.gc_leader() as after:
        assert after  # released when the first collector is done


def test_a_deduplicated_publish_refreshes_the_bytes(tmp_path: Path) -> None:
    """A publish that finds its bytes stored already marks them fresh: a sweep judging
    them by age must not reclaim what is about to be named."""
    blobs = FilesystemBlobStore(tmp_path / "blobs")
    first = ingest(blobs, "a.tgz", b"the same bytes")
    month_ago = time.time() - 31 * 24 * 3600
    hex_digest = first.digest.split(":", 1)[1]
    path = tmp_path / "blobs" / "sha256" / hex_digest[:2] / hex_digest[2:4] / hex_digest
    os.utime(path, (month_ago, month_ago))
    assert (blobs.written_at(first.digest) or 0) < time.time() - 30 * 24 * 3600
    again = ingest(blobs, "b.tgz", b"the same bytes")
    assert again.digest == first.digest
    assert (blobs.written_at(first.digest) or 0) > time.time() - 60
