from __future__ import annotations

import re
from typing import Any

from packyard.domain.types import PackageType
from tests.conftest import ALICE, Api, Clock, seed

ALICE_TOKEN = {
    "user": "alice",
    "token": ALICE,
    "kind": "classic",
    "scopes": ["read:packages", "delete:packages"],
}


def links(response: Any) -> dict[str, str]:
    header = response.headers.get("link", "")
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', header)}


def make_versions(store: Any, clock: Clock, count: int) -> str:
    seed(
        store,
        {
            "users": [{"login": "alice"}],
            "tokens": [ALICE_TOKEN],
            "packages": [
                {
                    "owner": "alice",
                    "package_type": "npm",
                    "name": "many",
                    "visibility": "private",
                    # Two versions share each timestamp, so ties are broken by id.
                    "versions": [
                        {
                            "name": f"1.0.{i}",
                            "created_at": f"2026-01-01T00:{i // 2 // 60:02d}:{i // 2 % 60:02d}Z",
                        }
                        for i in range(count)
                    ],
                }
            ],
        },
        clock.now,
    )
    return "/users/alice/packages/npm/many/versions"


def test_versions_newest_first_with_links(api: Api, store: Any, clock: Clock) -> None:
    path = make_versions(store, clock, 75)
    first = api.get(path, ALICE)
    assert len(first.json()) == 30
    assert first.json()[0]["name"] == "1.0.74"
    assert links(first) == {
        "next": f"http://testserver/api/v3{path}?page=2",
        "last": f"http://testserver/api/v3{path}?page=3",
    }
    seen = []
    url: str | None = path
    while url:
        response = api.get(url.removeprefix("http://testserver/api/v3"), ALICE)
        seen += [v["name"] for v in response.json()]
        url = links(response).get("next")
    assert seen == [f"1.0.{i}" for i in reversed(range(75))]
    middle = api.get(path + "?page=2&per_page=10&state=active", ALICE)
    assert links(middle) == {
        "next": f"http://testserver/api/v3{path}?per_page=10&state=active&page=3",
        "last": f"http://testserver/api/v3{path}?per_page=10&state=active&page=8",
        "prev": f"http://testserver/api/v3{path}?per_page=10&state=active&page=1",
        "first": f"http://testserver/api/v3{path}?per_page=10&state=active&page=1",
    }


def test_per_page_capped_and_page_zero(api: Api, store: Any, clock: Clock) -> None:
    path = make_versions(store, clock, 120)
    assert len(api.get(path + "?per_page=500", ALICE).json()) == 100
    assert api.get(path + "?page=0", ALICE).json() == api.get(path, ALICE).json()
    assert api.get(path + "?page=99", ALICE).json() == []


def test_bad_parameters_are_422(api: Api, store: Any, clock: Clock) -> None:
    path = make_versions(store, clock, 3)
    for query, name in [("page=x", "page"), ("per_page=1.5", "per_page"), ("state=gone", "state")]:
        response = api.get(f"{path}?{query}", ALICE)
        assert response.status_code == 422 and name in response.json()["message"], query
    bad = api.get("/users/alice/packages?package_type=npm&visibility=secret", ALICE)
    assert bad.status_code == 422 and "visibility" in bad.json()["message"]
    missing = api.get("/users/alice/packages", ALICE)
    assert missing.status_code == 422 and "package_type" in missing.json()["message"]


def test_package_listing_window(api: Api, store: Any, clock: Clock) -> None:
    make_versions(store, clock, 1)
    assert (
        api.get("/user/packages?package_type=npm&per_page=100&page=100", ALICE).status_code == 200
    )
    over = api.get("/user/packages?package_type=npm&per_page=100&page=101", ALICE)
    assert over.status_code == 400 and "10000" in over.json()["message"]


def test_packages_in_creation_order_with_visibility_filter(
    api: Api, store: Any, clock: Clock
) -> None:
    seed(
        store,
        {
            "users": [{"login": "alice"}, {"login": "bob"}],
            "tokens": [
                ALICE_TOKEN,
                {"user": "bob", "token": "ghp_bob", "kind": "classic", "scopes": ["read:packages"]},
            ],
            "packages": [
                {
                    "owner": "alice",
                    "package_type": "npm",
                    "name": f"p{i}",
                    "visibility": "public" if i % 2 else "private",
                    "created_at": f"2026-01-{10 - i:02d}T00:00:00Z",
                    "versions": [{"name": "1.0.0"}],
                }
                for i in range(6)
            ],
        },
        clock.now,
    )
    names = [p["name"] for p in api.get("/user/packages?package_type=npm", ALICE).json()]
    assert names == ["p5", "p4", "p3", "p2", "p1", "p0"]
    public = api.get("/users/alice/packages?package_type=npm&visibility=public", ALICE).json()
    assert [p["name"] for p in public] == ["p5", "p3", "p1"]
    # Bob sees only what he may read, and the pages count only that.
    bob = api.get("/users/alice/packages?package_type=npm&per_page=2", "ghp_bob")
    assert [p["name"] for p in bob.json()] == ["p5", "p3"]
    assert links(bob)["last"].endswith("page=2")


def test_deep_pages_follow_changes(api: Api, store: Any, clock: Clock) -> None:
    """Pages past the checkpoint threshold read the same as walking from the start."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import insert

    from packyard.storage.db.pages import SHALLOW_OFFSET
    from packyard.storage.db.tables import versions

    path = make_versions(store, clock, 1)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    count = SHALLOW_OFFSET + 700
    with store.write() as tx:
        tx.state.conn.execute(
            insert(versions),
            [
                {
                    "package_id": 1,
                    "name": f"2.0.{i}",
                    "live_name": f"2.0.{i}",
                    "download_count": 0,
                    # Runs of equal timestamps make the id the tie-breaker across checkpoints.
                    "created_at": start + timedelta(seconds=i // 3),
                    "updated_at": start,
                }
                for i in range(count)
            ],
        )
        tx.versions.recount_versions(1)
    expected = [f"2.0.{i}" for i in sorted(range(count), key=lambda i: (i // 3, i), reverse=True)]
    # The seeded 1.0.0 is newer than all of them.
    expected = ["1.0.0", *expected]

    def page(number: int) -> list[str]:
        response = api.get(f"{path}?per_page=100&page={number}", ALICE)
        return [v["name"] for v in response.json()]

    deep = SHALLOW_OFFSET // 100 + 3
    assert page(deep) == expected[(deep - 1) * 100 : deep * 100]
    last = api.get(f"{path}?per_page=100&page={deep}", ALICE)
    assert links(last)["last"].endswith(f"page={(count + 1 + 99) // 100}")
    # A delete moves everything after it by one, deep pages included.
    victim = api.get(f"{path}?per_page=1&page=10", ALICE).json()[0]
    assert api.delete(f"{path}/{victim['id']}", ALICE).status_code == 204
    expected.remove(victim["name"])
    assert page(deep) == expected[(deep - 1) * 100 : deep * 100]


def test_tagged_and_untagged_deep_pages_follow_tag_moves(store: Any, clock: Clock) -> None:
    """The web's tagged/untagged listings seek through checkpoints as the REST list does;
    a tag moving from one version to another changes both, deep pages included."""
    from packyard.domain.types import VersionFilter
    from packyard.storage.db.pages import SHALLOW_OFFSET

    count = SHALLOW_OFFSET + 1500
    seed(
        store,
        {
            "users": [{"login": "alice"}],
            "packages": [
                {
                    "owner": "alice",
                    "package_type": "container",
                    "name": "app",
                    "visibility": "private",
                    "versions": [
                        {
                            "name": f"sha256:{i:064x}",
                            "created_at": f"2026-01-01T{i // 3600:02d}:{i // 60 % 60:02d}:"
                            f"{i % 60:02d}Z",
                            "tags": [f"t{i}"] if i % 7 == 0 else [],
                        }
                        for i in range(count)
                    ],
                }
            ],
        },
        clock.now,
    )
    with store.read() as tx:
        package_id = tx.packages.list_packages(1, PackageType.CONTAINER)[0].id
    with store.write() as tx:  # download counts, for the web's listing to read
        for i in range(0, count, 37):
            found = tx.versions.find_version_by_name(package_id, f"sha256:{i:064x}")
            assert found is not None
            tx.versions.record_download(found.id, "2026-01-02", times=i + 1)

    def names(shown: VersionFilter, offset: int, limit: int = 50) -> tuple[list[int], int]:
        with store.read() as tx:
            versions, total = tx.versions.page_versions(package_id, shown, offset, limit)
            ids, kept_total, _, counts = tx.versions.page_version_ids(
                package_id, shown, offset, limit, downloads=True
            )
        # The listing by ids (the REST API's, and the web's with download counts) agrees.
        assert (ids, kept_total) == ([v.id for v in versions], total)
        assert counts == {v.id: v.download_count for v in versions}
        assert any(counts.values())
        return [int(v.name.split(":")[1], 16) for v in versions], total

    def expected(tagged: set[int], shown: VersionFilter) -> list[int]:
        newest_first = range(count - 1, -1, -1)
        return [i for i in newest_first if (i in tagged) == (shown is VersionFilter.TAGGED)]

    tagged = {i for i in range(count) if i % 7 == 0}
    deep = SHALLOW_OFFSET + 123
    for shown in (VersionFilter.TAGGED, VersionFilter.UNTAGGED):
        offset = deep if shown is VersionFilter.UNTAGGED else 40
        want = expected(tagged, shown)
        assert want[offset : offset + 50]
        assert names(shown, offset) == (want[offset : offset + 50], len(want))
    # The newest tagged version's tag moves to the oldest untagged one: every untagged
    # version after the newest moves down a place.
    newest = max(tagged)
    with store.write() as tx:
        version_one = tx.versions.find_version_by_name(package_id, f"sha256:{1:064x}")
        assert version_one is not None
        tx.versions.move_tag(package_id, f"t{newest}", version_one.id, clock.now)
    tagged = (tagged - {newest}) | {1}
    for shown in (VersionFilter.TAGGED, VersionFilter.UNTAGGED):
        want = expected(tagged, shown)
        offset = len(want) - 30 if shown is VersionFilter.TAGGED else deep + 400
        assert want[offset : offset + 50]
        assert names(shown, offset) == (want[offset : offset + 50], len(want))


def test_a_deep_page_follows_a_change_made_by_another_process(
    store: Any, engine: Any, clock: Clock
) -> None:
    """A deep page is read in one statement from the checkpoints of the generation last
    seen (`PageIndex.guess`), read with the package's generation: when another process
    (here, a second store with checkpoints of its own) has changed the versions since, the
    page is planned anew, not read from stale checkpoints."""
    from packyard.domain.types import VersionFilter
    from packyard.server import build_store
    from packyard.storage.db.pages import SHALLOW_OFFSET

    count = SHALLOW_OFFSET + 300
    make_versions(store, clock, count)
    with store.read() as tx:
        package_id = tx.packages.list_packages(1, PackageType.NPM)[0].id
    other = build_store(engine)

    def page(on: Any, offset: int) -> tuple[list[int], int]:
        with on.read() as tx:
            ids, total, _generation, counts = tx.versions.page_version_ids(
                package_id, VersionFilter.ACTIVE, offset, 30, downloads=True
            )
            walked, walked_total = tx.versions.page_versions(
                package_id, VersionFilter.ACTIVE, offset, 30
            )
        assert (ids, total) == ([v.id for v in walked], walked_total)
        assert set(counts) == set(ids)
        return ids, total

    deep = SHALLOW_OFFSET + 170
    before, total = page(store, deep)
    assert page(store, deep) == (before, total)  # from the guess: the same page
    # The other process deletes the newest version: every deep page moves up by one.
    with other.read() as tx:
        newest = tx.versions.page_version_ids(package_id, VersionFilter.ACTIVE, 0, 1)[0][0]
    with other.write() as tx:
        found = tx.versions.find_version(package_id, newest)
        assert found is not None and tx.versions.soft_delete_version(found, clock.now)
    after, after_total = page(store, deep)
    assert after_total == total - 1 and after[:-1] == before[1:]
