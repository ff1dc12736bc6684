"""Two deletes of one version at once: exactly one 204 and one 404, on either engine."""

from __future__ import annotations

import threading
from typing import Any

from packyard.config import Settings
from packyard.http import Request
from packyard.server import create_app
from packyard.storage.db.engine import make_engine
from tests.conftest import ALICE, Clock, alice_with, seed

ROUNDS = 15


def test_concurrent_deletes(
    settings: Settings, database_url: str, store: Any, clock: Clock
) -> None:
    race_package = {
        "owner": "alice",
        "package_type": "npm",
        "name": "race",
        "versions": [{"name": f"1.0.{i}"} for i in range(ROUNDS + 1)],
    }
    seed(store, alice_with([race_package]), clock.now)
    # Two independent app instances, each with its own engine: two processes, in effect.
    engines = [make_engine(database_url) for _ in range(2)]
    apps = [create_app(settings, engine, clock=clock) for engine in engines]
    try:
        race(apps)
    finally:
        for engine in engines:
            engine.dispose()


def race(apps: list[Any]) -> None:
    for version_id in range(1, ROUNDS + 1):
        barrier = threading.Barrier(2)
        statuses: list[int] = []
        errors: list[str] = []

        def delete(
            app: Any,
            vid: int = version_id,
            gate: threading.Barrier = barrier,
            out: list[int] = statuses,
            errors: list[str] = errors,
        ) -> None:
            request = Request(
                method="DELETE",
                raw_path=f"/users/alice/packages/npm/race/versions/{vid}",
                query={},
                headers={"authorization": f"Bearer {ALICE}"},
                client_host="127.0.0.1",
            )
            gate.wait()
            try:
                out.append(app.rest.handle(request).status)
            except Exception as error:  # reported in the assertion below, not lost in a thread
                out.append(-1)
                errors.append(repr(error))

        threads = [threading.Thread(target=delete, args=(app,)) for app in apps]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses) == [204, 404], (version_id, statuses, errors)
