"""The RubyGems registry through the whole ASGI app: pushes, yanks, the indexes, GitHub's
rules, and what the REST API sees of them. The real `gem` and `bundle` are in
tests/protocols."""

from __future__ import annotations

import gzip
import hashlib
import zlib

import httpx
import pytest
from sqlalchemy import update
from starlette.testclient import TestClient

from packyard.storage.db import tables as t
from packyard.storage.db.store import SqlStore
from tests.conftest import ALICE, BOB_READ
from tests.unit.registries.conftest import CAROL, rest, version_ids
from tests.unit.registries.rubygems.gem_builder import gem, gem_from_yaml

BASE = "/_registry/rubygems/alice"
NOT_AUTHENTICATED = "Your request could not be authenticated by the GitHub Packages service."


def push(
    client: TestClient, data: bytes, authorization: str | None = f"Bearer {ALICE}"
) -> httpx.Response:
    headers = {"Content-Type": "application/octet-stream"}
    if authorization is not None:
        headers["Authorization"] = authorization
    return client.post(f"{BASE}/api/v1/gems", content=data, headers=headers)


def pushed(client: TestClient, data: bytes) -> None:
    answer = push(client, data)
    assert answer.status_code == 200, answer.text


def get(client: TestClient, path: str, token: str | None = ALICE, **headers: str) -> httpx.Response:
    auth = httpx.BasicAuth("someone", token) if token else None
    return client.get(f"{BASE}/{path}", auth=auth, headers=headers)


def versions(client: TestClient, name: str, state: str = "active") -> dict[str, int]:
    return version_ids(client, "rubygems", name, state)


def info_lines(client: TestClient, name: str, token: str | None = ALICE) -> list[str]:
    answer = get(client, f"info/{name}", token)
    assert answer.status_code == 200, answer.text
    return answer.text.splitlines()[1:]


def test_a_push_is_a_version_the_rest_api_lists_with_the_gemspecs_words(client: TestClient) -> None:
    answer = push(client, gem("hello", "1.0.0"))
    assert answer.status_code == 200
    assert answer.text == "Successfully registered gem: hello (1.0.0)\n"
    package = rest(client, "GET", "/user/packages/rubygems/hello").json()
    assert package["visibility"] == "private" and package["version_count"] == 1
    version = rest(
        client,
        "GET",
        f"/user/packages/rubygems/hello/versions/{versions(client, 'hello')['1.0.0']}",
    ).json()
    assert version["license"] == "MIT" and version["description"] == "A gem for tests"
    assert version["metadata"] == {"package_type": "rubygems"}


def test_a_platform_gem_is_another_file_of_the_same_version(client: TestClient) -> None:
    pushed(client, gem("hello", "1.0.0"))
    answer = push(client, gem("hello", "1.0.0", "x86_64-linux"))
    assert answer.text == "Successfully registered gem: hello (1.0.0-x86_64-linux)\n"
    assert list(versions(client, "hello")) == ["1.0.0"]
    lines = info_lines(client, "hello")
    assert [line.split(" ")[0] for line in lines] == ["1.0.0", "1.0.0-x86_64-linux"]
    linux = get(client, "gems/hello-1.0.0-x86_64-linux.gem")
    assert linux.status_code == 200 and linux.content == gem("hello", "1.0.0", "x86_64-linux")


def test_repushing_a_version_is_a_conflict_gem_prints(client: TestClient) -> None:
    pushed(client, gem("hello", "1.0.0"))
    answer = push(client, gem("hello", "1.0.0", description="changed"))
    assert answer.status_code == 409
    assert answer.headers["content-type"].startswith("text/plain")
    assert "Repushing of gem versions is not allowed" in answer.text


@pytest.mark.parametrize(
    "authorization",
    [
        f"Bearer {ALICE}",
        ALICE,
        "Basic " + __import__("base64").b64encode(f"alice:{ALICE}".encode()).decode(),
    ],
    ids=["bearer", "bare-token", "basic"],
)
def test_every_credential_form_gem_sends_is_accepted(
    client: TestClient, authorization: str
) -> None:
    assert push(client, gem("hello", "1.0.0"), authorization).status_code == 200


def test_pushes_without_the_right_are_refused_before_anything_is_stored(client: TestClient) -> None:
    data = gem("hello", "1.0.0")
    anonymous = push(client, data, None)
    assert anonymous.status_code == 401 and NOT_AUTHENTICATED in anonymous.text
    assert push(client, data, "Bearer ghp_nobody_000000000000000000000000000").status_code == 401
    assert push(client, data, f"Bearer {BOB_READ}").status_code == 403  # read:packages only
    stranger = push(client, data, f"Bearer {CAROL}")
    assert stranger.status_code == 403 and "alice" in stranger.text
    assert rest(client, "GET", "/user/packages/rubygems/hello").status_code == 404


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"not a tar at all", "not a tar archive"),
        (gem_from_yaml("--- just a string\n"), "Gem::Specification"),
        (gem("bad name!", "1.0.0"), "name"),
        (gem("hello", "1.0.0 beta"), "version"),
    ],
    ids=["not-a-tar", "not-a-spec", "bad-name", "bad-version"],
)
def test_bad_gems_get_a_clear_400_and_nothing_is_stored(
    client: TestClient, body: bytes, words: str
) -> None:
    answer = push(client, body)
    assert answer.status_code == 400, answer.text
    assert words.lower() in answer.text.lower()
    listed = rest(client, "GET", "/user/packages?package_type=rubygems")
    assert listed.json() == []


def test_the_compact_index_lists_versions_with_md5_etags_ranges_and_304(client: TestClient) -> None:
    pushed(
        client,
        gem(
            "hello",
            "1.0.0",
            dependencies=(("rake", "~>", "13.0", "runtime"), ("rspec", ">=", "3", "development")),
        ),
    )
    pushed(client, gem("hello", "1.1.0.pre"))
    pushed(client, gem("world", "0.1.0"))
    answer = get(client, "versions")
    assert answer.status_code == 200
    assert answer.headers["etag"] == f'"{hashlib.md5(answer.content).hexdigest()}"'
    assert answer.headers["repr-digest"].startswith("sha-256=:")
    body = answer.text
    assert body.startswith("created_at: ") and "\n---\n" in body
    info = get(client, "info/hello")
    md5_of_info = hashlib.md5(info.content).hexdigest()
    assert f"hello 1.0.0,1.1.0.pre {md5_of_info}\n" in body
    assert info.text.splitlines()[1].startswith("1.0.0 rake:~> 13.0|checksum:")
    assert "ruby:>= 2.7" in info.text and "rspec" not in info.text  # runtime dependencies only
    same = get(client, "versions", **{"If-None-Match": answer.headers["etag"]})
    assert same.status_code == 304
    tail = get(client, "versions", Range=f"bytes={len(answer.content) - 10}-")
    assert tail.status_code == 206 and tail.content == answer.content[-10:]


def test_the_full_and_quick_indexes_are_generated(client: TestClient) -> None:
    pushed(client, gem("hello", "1.0.0"))
    pushed(client, gem("hello", "1.1.0.pre"))
    for index in ("specs.4.8.gz", "latest_specs.4.8.gz", "prerelease_specs.4.8.gz"):
        answer = get(client, index)
        assert answer.status_code == 200, index
        assert gzip.decompress(answer.content).startswith(b"\x04\x08[")
    specs = gzip.decompress(get(client, "specs.4.8.gz").content)
    assert b"hello" in specs and b"1.1.0.pre" not in specs
    assert b"1.1.0.pre" in gzip.decompress(get(client, "prerelease_specs.4.8.gz").content)
    quick = get(client, "quick/Marshal.4.8/hello-1.0.0.gemspec.rz")
    assert quick.status_code == 200
    assert b"Gem::Specification" in zlib.decompress(quick.content)
    assert get(client, "quick/Marshal.4.8/hello-9.9.9.gemspec.rz").status_code == 404
    assert get(client, "nonsense.4.8.gz").status_code == 404


def test_a_gem_get_counts_one_download_and_a_head_none(client: TestClient) -> None:
    pushed(client, gem("hello", "1.0.0"))
    auth = httpx.BasicAuth("a", ALICE)
    assert client.head(f"{BASE}/gems/hello-1.0.0.gem", auth=auth).status_code == 200
    answer = get(client, "gems/hello-1.0.0.gem")
    assert answer.status_code == 200 and answer.content == gem("hello", "1.0.0")
    assert get(client, "quick/Marshal.4.8/hello-1.0.0.gemspec.rz").status_code == 200
    report = rest(
        client, "GET", "/_packyard/user/packages/rubygems/hello/downloads?since=2000-01-01"
    )
    assert report.status_code == 200, report.text
    assert [(v["name"], v["downloads"]) for v in report.json()["versions"]] == [("1.0.0", 1)]


def test_a_stranger_learns_nothing_of_a_private_gem(client: TestClient) -> None:
    pushed(client, gem("hello", "1.0.0"))
    for path in ("info/hello", "gems/hello-1.0.0.gem", "quick/Marshal.4.8/hello-1.0.0.gemspec.rz"):
        hidden = get(client, path, CAROL)
        missing = get(client, path.replace("hello", "nosuch"), CAROL)
        assert hidden.status_code == missing.status_code == 404, path
        assert hidden.text == missing.text.replace("nosuch", "hello"), path
        assert (
            get(client, path, None).status_code
            == get(client, path.replace("hello", "nosuch"), None).status_code
            == 401
        )
    assert b"hello" not in gzip.decompress(get(client, "specs.4.8.gz", CAROL).content)
    assert "hello" not in get(client, "versions", CAROL).text


def test_a_public_gem_installs_anonymously(client: TestClient, store: SqlStore) -> None:
    pushed(client, gem("hello", "1.0.0"))
    pushed(client, gem("secret", "1.0.0"))
    # Visibility changes where GitHub changes it, in the package's settings: here, the row.
    with store.engine.begin() as conn:
        conn.execute(
            update(t.packages).where(t.packages.c.name == "hello").values(visibility="public")
        )
    assert get(client, "gems/hello-1.0.0.gem", None).status_code == 200
    assert [line.split(" ")[0] for line in info_lines(client, "hello", None)] == ["1.0.0"]
    listed = get(client, "versions", None).text
    assert "hello 1.0.0 " in listed and "secret" not in listed


def test_a_yank_is_a_rest_delete_and_a_restore_brings_the_version_back(
    client: TestClient, store: SqlStore
) -> None:
    pushed(client, gem("hello", "1.0.0"))
    pushed(client, gem("hello", "1.1.0"))
    before = get(client, "info/hello").content
    yanked = client.request(
        "DELETE",
        f"{BASE}/api/v1/gems/yank",
        content=b"gem_name=hello&version=1.0.0",
        headers={"Authorization": ALICE, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert yanked.status_code == 200 and yanked.text == "Successfully deleted gem: hello (1.0.0)\n"
    assert list(versions(client, "hello")) == ["1.1.0"]
    deleted = versions(client, "hello", "deleted")
    assert [line.split(" ")[0] for line in info_lines(client, "hello")] == ["1.1.0"]
    assert get(client, "gems/hello-1.0.0.gem").status_code == 404
    restored = rest(
        client, "POST", f"/user/packages/rubygems/hello/versions/{deleted['1.0.0']}/restore"
    )
    assert restored.status_code == 204
    assert get(client, "info/hello").content == before


def test_a_yank_needs_the_delete_right(client: TestClient) -> None:
    pushed(client, gem("hello", "1.0.0"))
    answer = client.request(
        "DELETE",
        f"{BASE}/api/v1/gems/yank",
        content=b"gem_name=hello&version=1.0.0",
        headers={"Authorization": CAROL, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 404
    assert list(versions(client, "hello")) == ["1.0.0"]


def test_a_yanked_number_may_be_pushed_again_and_the_old_one_then_not_restored(
    client: TestClient,
) -> None:
    pushed(client, gem("hello", "1.0.0"))
    pushed(client, gem("hello", "1.1.0"))
    old = versions(client, "hello")["1.0.0"]
    assert (
        rest(client, "DELETE", f"/user/packages/rubygems/hello/versions/{old}").status_code == 204
    )
    pushed(client, gem("hello", "1.0.0", description="again"))
    refused = rest(client, "POST", f"/user/packages/rubygems/hello/versions/{old}/restore")
    assert refused.status_code == 400


def test_github_repo_links_the_package_to_the_owners_repository(client: TestClient) -> None:
    pushed(client, gem("hello", "1.0.0", github_repo="ssh://github.com/alice/tools"))
    package = rest(client, "GET", "/user/packages/rubygems/hello").json()
    assert package["repository"]["full_name"] == "alice/tools"
    other = push(client, gem("world", "1.0.0", github_repo="ssh://github.com/acme/web"))
    assert other.status_code == 400 and "does not match" in other.text
    missing = push(client, gem("world", "1.0.0", github_repo="https://github.com/alice/nosuch"))
    assert missing.status_code == 400
    assert rest(client, "GET", "/user/packages/rubygems/world").status_code == 404


def test_the_source_root_answers_so_gem_uses_the_compact_index(client: TestClient) -> None:
    assert client.head(f"{BASE}/").status_code == 200
    assert client.get(f"{BASE}/api/v1/dependencies").status_code == 200


def test_a_yank_of_one_platform_of_several_is_refused_rather_than_taking_all(
    client: TestClient,
) -> None:
    pushed(client, gem("hello", "1.0.0"))
    pushed(client, gem("hello", "1.0.0", "x86_64-linux"))
    pushed(client, gem("hello", "1.1.0"))
    answer = client.request(
        "DELETE",
        f"{BASE}/api/v1/gems/yank",
        content=b"gem_name=hello&version=1.0.0&platform=x86_64-linux",
        headers={"Authorization": ALICE, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 409 and "without --platform" in answer.text
    assert set(versions(client, "hello")) == {"1.0.0", "1.1.0"}


def test_a_gem_whose_file_name_the_store_cannot_hold_is_a_400(client: TestClient) -> None:
    # A 250-character name is a gem's, but `NAME-1.0.0.gem` is 260 characters and a file's
    # name is a VARCHAR(255): PostgreSQL refused the row with a 500.
    answer = push(client, gem("h" * 250, "1.0.0"))
    assert answer.status_code == 400, answer.text
    assert "255" in answer.text
    assert rest(client, "GET", "/user/packages?package_type=rubygems").json() == []
