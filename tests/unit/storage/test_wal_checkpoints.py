"""SQLite's WAL is copied into the database file by a server's worker thread, not by the
commit that happens to take it past SQLite's default 1,000 pages on the event loop."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert
from starlette.testclient import TestClient

from packyard import server
from packyard.config import Settings
from packyard.storage.db.engine import (
    SQLITE_WAL_AUTOCHECKPOINT_PAGES,
    checkpoint_wal,
    make_engine,
    sqlite_url,
)

rows = Table("rows", MetaData(), Column("id", Integer, primary_key=True), Column("text", String))


def test_checkpoint_copies_the_wal_into_the_database(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path))
    try:
        with engine.begin() as conn:
            rows.create(conn)
            conn.execute(insert(rows), [{"text": "x" * 200} for _ in range(2000)])
        database = tmp_path / "packyard.db"
        before = database.stat().st_size
        checkpoint_wal(engine)
        assert database.stat().st_size > before + 2000 * 200
        raw = engine.raw_connection()
        try:
            cursor = raw.driver_connection.cursor()  # type: ignore[union-attr]
            busy, frames, copied = cursor.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            assert (busy, copied) == (0, frames)
            pages = cursor.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
            assert pages == SQLITE_WAL_AUTOCHECKPOINT_PAGES
        finally:
            raw.close()
    finally:
        engine.dispose()


def test_a_running_server_checkpoints_in_a_worker_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkpointed = threading.Event()
    threads: list[threading.Thread] = []

    def recorded(engine: Any) -> None:
        threads.append(threading.current_thread())
        checkpointed.set()

    monkeypatch.setattr(server, "CHECKPOINT_INTERVAL_SECONDS", 0.01)
    monkeypatch.setattr(server, "checkpoint_wal", recorded)
    settings = Settings(data_dir=tmp_path, database_url=None, base_url="http://x", gc_interval=None)
    engine = make_engine(sqlite_url(tmp_path))
    try:
        with engine.begin() as conn:  # a WAL written since the server last looked
            rows.create(conn)
        with TestClient(server.create_app(settings, engine)):
            assert checkpointed.wait(5)
    finally:
        engine.dispose()
    # asyncio.to_thread's executor, not the event loop's own thread.
    assert threads[0].name.startswith("asyncio_")


def test_an_idle_server_does_not_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[object] = []
    monkeypatch.setattr(server, "CHECKPOINT_INTERVAL_SECONDS", 0.01)
    monkeypatch.setattr(server, "checkpoint_wal", calls.append)
    settings = Settings(data_dir=tmp_path, database_url=None, base_url="http://x", gc_interval=None)
    engine = make_engine(sqlite_url(tmp_path))
    try:
        with engine.begin() as conn:
            rows.create(conn)
        with TestClient(server.create_app(settings, engine)):
            time.sleep(0.3)  # some thirty looks at a WAL written once
    finally:
        engine.dispose()
    assert len(calls) == 1
