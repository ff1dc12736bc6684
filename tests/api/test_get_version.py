"""get-version reads the owner, its package and the version in one statement: the version
must be the package's own, and live, whatever the id names elsewhere."""

from __future__ import annotations

from typing import Any

from tests.conftest import ALICE, Api, Clock, alice_with, seed

A, B, C = ("sha256:" + c * 64 for c in "abc")


def _package(name: str, versions: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "owner": "alice",
        "package_type": "container",
        "name": name,
        "visibility": "private",
        "versions": versions,
    }


def test_a_version_is_found_only_under_its_own_package(api: Api, store: Any, clock: Clock) -> None:
    seed(
        store,
        alice_with(
            [
                _package("one", [{"name": A, "tags": ["x"]}, {"name": C}]),
                _package("two", [{"name": B}]),
            ]
        ),
        clock.now,
    )
    one = "/users/alice/packages/container/one"
    two = "/users/alice/packages/container/two"
    ids = {v["name"]: v["id"] for v in api.get(f"{one}/versions", ALICE).json()}
    a_id, c_id = ids[A], ids[C]
    b_id = api.get(f"{two}/versions", ALICE).json()[0]["id"]
    found = api.get(f"{one}/versions/{a_id}", ALICE)
    assert found.status_code == 200 and found.json()["metadata"]["container"]["tags"] == ["x"]
    assert api.get(f"/user/packages/container/one/versions/{a_id}", ALICE).status_code == 200
    assert api.get(f"{one}/versions/{b_id}", ALICE).status_code == 404
    assert api.get(f"{one}/versions/{b_id + a_id + 1}", ALICE).status_code == 404
    assert api.get(f"{one}/versions/x", ALICE, check=False).status_code == 404
    assert api.get("/users/nobody/packages/container/one/versions/1", ALICE).status_code == 404
    assert (
        api.get(f"/users/alice/packages/container/three/versions/{a_id}", ALICE).status_code == 404
    )
    assert api.delete(f"{one}/versions/{c_id}", ALICE).status_code == 204
    assert api.get(f"{one}/versions/{c_id}", ALICE).status_code == 404  # deleted
    assert api.get(f"{two}/versions/{b_id}", ALICE).status_code == 200
