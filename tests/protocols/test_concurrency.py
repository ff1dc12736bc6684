"""Many clients at once against a real `packyard serve`: the registries' worker threads share
the database's connections instead of each holding one (on SQLite a held connection per
worker thread drained the pool, and the ninth concurrent request waited 30 s for a 500)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.protocols.conftest import LiveServer

CLIENTS = 48  # more than the thread pool's usual size and the pool's connections together


def test_many_concurrent_registry_reads_all_answer(live_server: LiveServer) -> None:
    paths = [
        "/v2/alice/tools/cli/tags/list",  # a public container package: anonymous reads
        "/_registry/npm/@alice%2fnothing",  # npm: asked of the database, then 401
    ]

    def get(i: int) -> int:
        path = paths[i % len(paths)]
        return httpx.get(live_server.url + path, timeout=25).status_code

    with ThreadPoolExecutor(CLIENTS) as pool:
        statuses = list(pool.map(get, range(CLIENTS * 4)))
    assert sorted(set(statuses)) == [200, 401]  # anonymous npm callers are asked to log in
    assert statuses.count(200) == CLIENTS * 2
