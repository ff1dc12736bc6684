"""The migrations build exactly the schema the code declares, on either engine."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, insert, inspect, select, text

from packyard.storage.db import tables as t
from packyard.storage.db.engine import make_engine
from packyard.storage.db.migrate import alembic_config, current_revision, upgrade
from packyard.storage.db.tables import metadata
from tests.support import postgres_database


def test_migrations_match_the_tables(engine: Engine) -> None:
    assert current_revision(engine) is not None
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


@pytest.fixture
def empty_url(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "postgres":
        with postgres_database("packyard_migrate") as url:
            yield url
        return
    yield f"sqlite+pysqlite:///{tmp_path / 'old.db'}"


def test_package_files_are_backfilled(empty_url: str) -> None:
    """0004 moves npm tarballs and container manifests, configs and layers into
    package_files: a database of 0003 keeps every byte it referenced."""
    engine = make_engine(empty_url)
    try:
        upgrade(engine, "0003")
        now = datetime(2026, 3, 1, tzinfo=UTC)
        tarball = b"a tarball"
        sha512 = hashlib.sha512(tarball)
        with engine.begin() as conn:
            conn.execute(
                insert(t.accounts).values(
                    id=1, login="alice", login_norm="alice", type="User", created_at=now
                )
            )
            for pid, ptype, name in ((1, "npm", "@alice/x"), (2, "container", "app")):
                conn.execute(
                    insert(t.packages).values(
                        id=pid,
                        owner_id=1,
                        package_type=ptype,
                        name=name,
                        name_norm=name,
                        live_name=name,
                        visibility="private",
                        inherit_access=True,
                        version_count=1,
                        version_generation=1,
                        created_at=now,
                        updated_at=now,
                    )
                )
            for vid, pid, name in ((1, 1, "1.0.0"), (2, 2, "sha256:" + "a" * 64)):
                conn.execute(
                    insert(t.versions).values(
                        id=vid,
                        package_id=pid,
                        name=name,
                        live_name=name,
                        download_count=0,
                        created_at=now,
                        updated_at=now,
                    )
                )
            conn.execute(
                text(
                    "INSERT INTO npm_versions (version_id, package_id, manifest, tarball_digest,"
                    " tarball_size, integrity, shasum) VALUES (1, 1, '{}', :digest, :size,"
                    " :integrity, :shasum)"
                ),
                {
                    "digest": "sha256:" + hashlib.sha256(tarball).hexdigest(),
                    "size": len(tarball),
                    "integrity": "sha512-" + base64.b64encode(sha512.digest()).decode(),
                    "shasum": hashlib.sha1(tarball).hexdigest(),
                },
            )
            conn.execute(
                insert(t.oci_manifests).values(version_id=2, package_id=2, media_type="m", size=300)
            )
            conn.execute(
                insert(t.oci_references),
                [
                    {"version_id": 2, "position": i, "package_id": 2, "digest": d, "kind": k}
                    | {"media_type": "b", "size": 10}
                    for i, (d, k) in enumerate(
                        [
                            ("sha256:" + "c" * 64, "config"),
                            ("sha256:" + "d" * 64, "layer"),
                            ("sha256:" + "d" * 64, "layer"),  # a layer listed twice
                        ]
                    )
                ],
            )
        upgrade(engine)
        with engine.connect() as conn:
            rows = conn.execute(
                select(
                    t.package_files.c.version_id,
                    t.package_files.c.name,
                    t.package_files.c.blob_digest,
                    t.package_files.c.size,
                    t.package_files.c.hashes,
                ).order_by(t.package_files.c.id)
            ).all()
        files = {(r.version_id, r.name): r for r in rows}
        assert len(rows) == 4
        npm = files[(1, "x-1.0.0.tgz")]
        assert npm.blob_digest == "sha256:" + hashlib.sha256(tarball).hexdigest()
        assert npm.size == len(tarball)
        assert json.loads(npm.hashes) == {
            "sha1": hashlib.sha1(tarball).hexdigest(),
            "sha512": sha512.hexdigest(),
        }
        manifest = "sha256:" + "a" * 64
        assert files[(2, manifest)].blob_digest == manifest
        assert {name for vid, name in files if vid == 2} == {
            manifest,
            "sha256:" + "c" * 64,
            "sha256:" + "d" * 64,
        }
        # And back: 0003's tarball columns are filled again from the files.
        command.downgrade(alembic_config(engine), "0003")
        with engine.connect() as conn:
            restored = conn.execute(
                text("SELECT tarball_digest, tarball_size, integrity, shasum FROM npm_versions")
            ).all()
            nullable = {c["name"]: c["nullable"] for c in inspect(conn).get_columns("npm_versions")}
        assert [tuple(r) for r in restored] == [
            (
                "sha256:" + hashlib.sha256(tarball).hexdigest(),
                len(tarball),
                "sha512-" + base64.b64encode(sha512.digest()).decode(),
                hashlib.sha1(tarball).hexdigest(),
            )
        ]
        assert not any(nullable[c] for c in ("tarball_digest", "tarball_size", "shasum"))
    finally:
        engine.dispose()


def test_npm_packages_lose_their_scope(empty_url: str) -> None:
    """0006 renames npm packages from `@owner/name` to `name`, live or deleted, as GitHub
    names them; other types, and a scope that is not the owner, are left alone."""
    engine = make_engine(empty_url)
    try:
        upgrade(engine, "0005")
        now = datetime(2026, 3, 1, tzinfo=UTC)
        packages = [
            (1, "npm", "@alice/hello", True),
            (2, "npm", "@Alice/Gone", False),  # deleted: its live_name stays NULL
            (3, "npm", "@bob/stray", True),
            (4, "container", "tools/cli", True),
            (5, "npm", "plain", True),
        ]
        with engine.begin() as conn:
            conn.execute(
                insert(t.accounts).values(
                    id=1, login="Alice", login_norm="alice", type="User", created_at=now
                )
            )
            for pid, ptype, name, live in packages:
                conn.execute(
                    insert(t.packages).values(
                        id=pid,
                        owner_id=1,
                        package_type=ptype,
                        name=name,
                        name_norm=name.lower(),
                        live_name=name.lower() if live else None,
                        visibility="private",
                        inherit_access=True,
                        version_count=0,
                        version_generation=0,
                        created_at=now,
                        updated_at=now,
                        deleted_at=None if live else now,
                    )
                )

        def names() -> list[tuple[str, str, str | None]]:
            p = t.packages.c
            with engine.connect() as conn:
                rows = conn.execute(select(p.name, p.name_norm, p.live_name).order_by(p.id))
                return [tuple(r) for r in rows]

        upgrade(engine)
        assert names() == [
            ("hello", "hello", "hello"),
            ("Gone", "gone", None),
            ("@bob/stray", "@bob/stray", "@bob/stray"),
            ("tools/cli", "tools/cli", "tools/cli"),
            ("plain", "plain", "plain"),
        ]
        command.downgrade(alembic_config(engine), "0005")
        assert names() == [
            ("@Alice/hello", "@alice/hello", "@alice/hello"),
            ("@Alice/Gone", "@alice/gone", None),
            ("@bob/stray", "@bob/stray", "@bob/stray"),
            ("tools/cli", "tools/cli", "tools/cli"),
            ("@Alice/plain", "@alice/plain", "@alice/plain"),
        ]
    finally:
        engine.dispose()


# One process's upgrade, started when the file argv[2] appears: everything is imported and
# connected first, so the two processes' migrations overlap (alembic's `context` is one per
# process: two upgrades cannot race in threads).
UPGRADE_WHEN_TOLD = """
import sys, time
from pathlib import Path
from packyard.storage.db.engine import make_engine
from packyard.storage.db.migrate import upgrade
engine = make_engine(sys.argv[1])
engine.connect().close()
Path(sys.argv[3]).touch()
while not Path(sys.argv[2]).exists():
    time.sleep(0.001)
upgrade(engine)
"""


def test_upgrades_started_together_on_postgresql_take_turns(backend: str, tmp_path: Path) -> None:
    """Two processes starting at once on a fresh database (`packyard serve` upgrades on
    start): both upgrades succeed, one after the other, and leave one schema at head."""
    if backend != "postgres":
        pytest.skip("an upgrade's lock is PostgreSQL's; SQLite is one machine's file")
    go = tmp_path / "go"
    with postgres_database("packyard_race") as url:
        processes = [
            subprocess.Popen(
                [sys.executable, "-c", UPGRADE_WHEN_TOLD, url, str(go), str(tmp_path / str(n))],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for n in range(2)
        ]
        deadline = time.monotonic() + 60
        while not all((tmp_path / str(n)).exists() for n in range(2)):
            assert time.monotonic() < deadline and all(p.poll() is None for p in processes)
            time.sleep(0.01)
        go.touch()
        said = [p.communicate(timeout=120)[0] for p in processes]
        assert [p.returncode for p in processes] == [0, 0], said
        engine = make_engine(url)
        try:
            head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
            assert current_revision(engine) == head
            with engine.connect() as conn:
                assert compare_metadata(MigrationContext.configure(conn), metadata) == []
                versions = conn.execute(text("SELECT count(*) FROM alembic_version")).scalar()
            assert versions == 1
        finally:
            engine.dispose()
