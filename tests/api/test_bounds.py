"""Numbers and echoed values at the REST API's edge: ids within the database's range,
ASCII digits only, pages that cannot overflow an offset, and a `Link` built only from the
parameters a listing read."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import ALICE, Api

VERSIONS = "/users/alice/packages/container/tools%2Fcli/versions"
BUILDS = "/_packyard/users/alice/packages/container/tools%2Fcli/versions/{}/builds"

# Numbers no version has: the answer is the one for a missing version.
ABSENT = [
    "2147483648",  # past SQL INTEGER, the ids' column
    "9223372036854775808",  # 2**63
    "9" * 30,
    "9" * 5000,  # past `int()`'s digit limit
]
# Not numbers at all: the answer is the one for `abc`.
NOT_IDS = [
    "%D9%A3",  # ٣, Arabic-Indic three: `"٣".isdigit()` and `int("٣") == 3`
    "%EF%BC%93",  # ３, fullwidth three
    "%C2%B3",  # ³: isdigit() but not int()
    "-3",
    "+3",
    "3.0",
]


@pytest.mark.parametrize(
    ("raw", "like"), [(r, "99999") for r in ABSENT] + [(r, "abc") for r in NOT_IDS]
)
def test_a_version_id_that_is_not_one_is_404(
    asgi_api: Api, world: Any, raw: str, like: str
) -> None:
    path = f"{VERSIONS}/{raw}"
    for method in ("GET", "DELETE"):
        response = asgi_api.request(method, path, ALICE)
        expected = asgi_api.request(method, f"{VERSIONS}/{like}", ALICE)
        assert response.status_code == 404, (method, raw, response.text)
        assert response.json() == expected.json()
    restored = asgi_api.post(f"{path}/restore", ALICE)
    assert restored.status_code == 404, raw
    builds = asgi_api.get(BUILDS.format(raw), ALICE, check=False)
    assert builds.status_code == 404, raw


def test_the_version_ids_that_exist_still_answer(asgi_api: Api, world: Any) -> None:
    assert asgi_api.get(f"{VERSIONS}/3", ALICE).json()["id"] == 3
    assert asgi_api.get(f"{VERSIONS}/0003", ALICE).json()["id"] == 3


@pytest.mark.parametrize(
    "query",
    [
        "page=99999999999999999999",
        "page=9223372036854775807",
        "page=" + "9" * 5000,
        "per_page=99999999999999999999",
        "per_page=" + "9" * 5000,
        "per_page=-99999999999999999999&page=-" + "9" * 40,
    ],
)
def test_pages_out_of_range_are_empty_or_capped_never_500(
    asgi_api: Api, world: Any, query: str
) -> None:
    response = asgi_api.get(f"{VERSIONS}?{query}", ALICE)
    assert response.status_code == 200, response.text
    packages = asgi_api.get(f"/users/alice/packages?package_type=container&{query}", ALICE)
    assert packages.status_code in (200, 400), packages.text  # 400: GitHub's 10,000 window


@pytest.mark.parametrize("query", ["page=%D9%A3", "per_page=%EF%BC%92", "page=%C2%B3"])
def test_pages_in_other_digits_are_422(asgi_api: Api, world: Any, query: str) -> None:
    response = asgi_api.get(f"{VERSIONS}?{query}", ALICE)
    assert response.status_code == 422, response.text


def rels(response: Any) -> list[tuple[str, str]]:
    header = response.headers.get("link", "")
    return re.findall(r'<([^<>]*)>; rel="(\w+)"', header)


def test_link_carries_only_the_parameters_a_listing_read(asgi_api: Api, world: Any) -> None:
    injected = "x=%3E%3B%20rel%3D%22next%22%2C%20%3Chttp%3A%2F%2Fevil.example%2F"
    response = asgi_api.get(f"{VERSIONS}?{injected}&per_page=1&state=active", ALICE)
    assert response.status_code == 200
    found = rels(response)
    assert [rel for _url, rel in found] == ["next", "last"], response.headers["link"]
    base = f"http://testserver/api/v3{VERSIONS}?per_page=1&state=active&page="
    assert all(url.startswith(base) for url, _rel in found), found
    assert "evil" not in response.headers["link"]
    # Every link is one URL on this server: nothing breaks out of the angle brackets.
    assert response.headers["link"].count("<") == 2


def test_link_survives_values_that_are_not_latin_1(asgi_api: Api, world: Any) -> None:
    response = asgi_api.get(f"{VERSIONS}?x=%D9%A3&per_page=1", ALICE)
    assert response.status_code == 200
    assert [rel for _url, rel in rels(response)] == ["next", "last"]
    listing = asgi_api.get(
        "/users/alice/packages?package_type=container&per_page=1&y=%E2%80%AE", ALICE
    )
    assert listing.status_code == 200
    assert all("y=" not in url for url, _rel in rels(listing))


def test_link_path_is_percent_encoded(asgi_api: Api, world: Any) -> None:
    # Names are matched case-insensitively, so a request may spell the path its own way;
    # whatever it spells goes back encoded, never as header syntax.
    response = asgi_api.get(VERSIONS.replace("alice", "ALICE") + "?per_page=1", ALICE)
    assert response.status_code == 200
    assert rels(response)[0][0].startswith("http://testserver/api/v3/users/ALICE/packages/")
