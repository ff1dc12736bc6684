"""Packyard's own `/_packyard/.../downloads`: which versions were pulled since a day."""

from __future__ import annotations

from typing import Any

from tests.conftest import ALICE, BOB_READ, Api, Clock, alice_with, seed

PATH = "/_packyard/users/alice/packages/npm/web/downloads"


def test_counts_live_versions_pulled_since_a_day(api: Api, store: Any, clock: Clock) -> None:
    seed(
        store,
        alice_with(
            [
                {
                    "owner": "alice",
                    "package_type": "npm",
                    "name": "@alice/web",
                    "visibility": "public",
                    "versions": [{"name": "1.0.0"}, {"name": "1.1.0"}, {"name": "2.0.0"}],
                }
            ]
        ),
        clock.now,
    )
    ids = {
        v["name"]: v["id"]
        for v in api.get("/users/alice/packages/npm/@alice%2Fweb/versions", ALICE).json()
    }
    with store.write() as tx:
        for day in ("2026-11-01", "2026-11-10", "2026-11-10", "2026-11-20"):
            tx.versions.record_download(ids["1.0.0"], day)
        tx.versions.record_download(ids["1.1.0"], "2026-10-01")
    api.delete(f"/users/alice/packages/npm/web/versions/{ids['2.0.0']}", ALICE)
    with store.write() as tx:
        tx.versions.record_download(ids["2.0.0"], "2026-11-20")  # deleted versions are not reported

    answer = api.get(f"{PATH}?since=2026-11-10", ALICE)
    assert answer.status_code == 200
    assert answer.json() == {
        "package_type": "npm",
        "name": "web",
        "since": "2026-11-10",
        "versions": [{"id": ids["1.0.0"], "name": "1.0.0", "downloads": 3}],
    }
    everything = api.get(f"{PATH}?since=2026-01-01", ALICE).json()["versions"]
    assert {v["name"]: v["downloads"] for v in everything} == {"1.0.0": 4, "1.1.0": 1}
    # Public package: anyone may read, as anyone may see its download counts on GitHub.
    assert api.get(f"{PATH}?since=2026-11-10").status_code == 200
    # The same through the authenticated user's scope, addressed with the owner's npm scope
    # (how Packyard named npm packages once): it still finds the package.
    mine = api.get("/_packyard/user/packages/npm/@alice%2Fweb/downloads?since=2026-11-10", ALICE)
    assert mine.json()["versions"][0]["downloads"] == 3


def test_refusals_speak_github(api: Api, world: Any) -> None:
    missing = api.get(f"{PATH}", ALICE)
    assert missing.status_code == 422
    assert "`since`" in missing.json()["message"]
    assert api.get(f"{PATH}?since=yesterday", ALICE).status_code == 422
    # A private package a stranger cannot see does not exist for them.
    hidden = api.get(
        "/_packyard/orgs/acme/packages/npm/web-ui/downloads?since=2026-01-01",
        BOB_READ,
    )
    assert hidden.status_code == 404
