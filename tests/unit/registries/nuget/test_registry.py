"""The NuGet registry through the whole ASGI app: the service index, pushes, deletes,
registrations, the flat container and search, GitHub's rules, and what the REST API sees of
them. The real nuget.exe is in tests/protocols."""

from __future__ import annotations

import base64

import httpx
import pytest
from sqlalchemy import update
from starlette.testclient import TestClient

from packyard.registries.nuget import app as nuget_app
from packyard.storage.db import tables as t
from packyard.storage.db.store import SqlStore
from tests.conftest import ALICE, BOB_READ, Clock, seed
from tests.unit.registries.conftest import CAROL, rest, version_ids
from tests.unit.registries.nuget.nupkg_builder import multipart, nupkg

ROOT = "http://testserver/_registry/nuget/alice"
BASE = "/_registry/nuget/alice"
PUBLISH = f"{BASE}/api/v2/package"
NOT_AUTHENTICATED = (
    "Your request could not be authenticated by the GitHub Packages service. "
    "Please ensure your access token is valid and has the appropriate scopes configured.\n"
)


def basic(token: str) -> str:
    return "Basic " + base64.b64encode(f"alice:{token}".encode()).decode()


def push(
    client: TestClient,
    data: bytes,
    token: str | None = ALICE,
    path: str = PUBLISH,
    api_key: str | None = None,
) -> httpx.Response:
    body, content_type = multipart(data)
    headers = {"Content-Type": content_type}
    if token is not None:
        headers["Authorization"] = basic(token)
    if api_key is not None:
        headers["X-NuGet-ApiKey"] = api_key
    return client.put(path, content=body, headers=headers)


def pushed(client: TestClient, data: bytes) -> None:
    answer = push(client, data)
    assert answer.status_code == 201, answer.text


def get(client: TestClient, path: str, token: str | None = ALICE) -> httpx.Response:
    headers = {"Authorization": basic(token)} if token else {}
    return client.get(f"{BASE}/{path}", headers=headers)


def delete(client: TestClient, path: str, token: str = ALICE) -> httpx.Response:
    return client.delete(f"{BASE}/{path}", headers={"X-NuGet-ApiKey": token})


def versions(client: TestClient, name: str, state: str = "active") -> dict[str, int]:
    return version_ids(client, "nuget", name, state)


def registered(client: TestClient, lower_id: str, token: str = ALICE) -> list[str]:
    answer = get(client, f"registration/{lower_id}/index.json", token)
    assert answer.status_code == 200, answer.text
    return [
        item["catalogEntry"]["version"] for page in answer.json()["items"] for item in page["items"]
    ]


def test_the_service_index_lists_what_nuget_exe_needs(client: TestClient) -> None:
    answer = get(client, "index.json")
    assert answer.status_code == 200
    resources = {r["@type"]: r["@id"] for r in answer.json()["resources"]}
    assert answer.json()["version"] == "3.0.0"
    assert resources["PackagePublish/2.0.0"] == ROOT  # GitHub's: nuget push PUTs to OWNER/
    for version in ("", "/3.0.0-beta", "/3.0.0-rc", "/3.4.0", "/3.6.0"):
        assert resources["RegistrationsBaseUrl" + version] == f"{ROOT}/registration/"
    assert resources["PackageBaseAddress/3.0.0"] == f"{ROOT}/download/"
    for version in ("", "/3.0.0-beta", "/3.0.0-rc", "/3.5.0"):
        assert resources["SearchQueryService" + version] == f"{ROOT}/query"
    assert get(client, "index.json", None).status_code == 401
    nobody = client.get("/_registry/nuget/nosuch/index.json", headers={"X-NuGet-ApiKey": ALICE})
    assert nobody.status_code == 404


def test_every_anonymous_request_is_challenged_as_github_does(client: TestClient) -> None:
    pushed(client, nupkg())
    for path in ("index.json", "registration/hello.world/index.json", "query", "nonsense"):
        answer = get(client, path, None)
        assert answer.status_code == 401, path
        assert answer.headers["www-authenticate"] == 'Basic realm="GitHub Package Registry"'
        assert answer.text == NOT_AUTHENTICATED
        assert answer.headers["x-nuget-warning"] == NOT_AUTHENTICATED.strip()
    bad = get(client, "index.json", "ghp_nobody_000000000000000000000000000")
    assert bad.status_code == 401 and bad.text == NOT_AUTHENTICATED


def test_a_push_is_a_version_the_rest_api_lists_with_the_nuspecs_words(
    client: TestClient,
) -> None:
    answer = push(client, nupkg("Hello.World", "1.0"))
    assert answer.status_code == 201, answer.text
    package = rest(client, "GET", "/user/packages/nuget/Hello.World").json()
    assert package["name"] == "Hello.World" and package["package_type"] == "nuget"
    assert package["visibility"] == "private" and "repository" not in package
    version_id = versions(client, "Hello.World")["1.0.0"]  # normalized
    version = rest(client, "GET", f"/user/packages/nuget/Hello.World/versions/{version_id}").json()
    assert version["description"] == "A package for tests" and version["license"] == "MIT"
    assert version["metadata"] == {"package_type": "nuget"}
    # The package is found whatever the case of its id: one package, GitHub's name kept.
    pushed(client, nupkg("hello.world", "1.1.0+build.7"))
    assert list(versions(client, "hello.world")) == ["1.1.0", "1.0.0"]


@pytest.mark.parametrize(
    ("path", "token", "api_key"),
    [
        (f"{PUBLISH}/", ALICE, None),  # the trailing `/` nuget.exe adds
        (BASE, ALICE, None),  # GitHub's own publish address, the feed's root
        (PUBLISH, None, ALICE),  # the API key alone
        (PUBLISH, ALICE, "placeholder"),  # Basic decides over a placeholder key
    ],
    ids=["trailing-slash", "feed-root", "api-key", "basic-and-key"],
)
def test_pushes_as_clients_send_them(
    client: TestClient, path: str, token: str | None, api_key: str | None
) -> None:
    assert push(client, nupkg(), token, path, api_key).status_code == 201


def test_a_second_push_of_a_version_is_a_conflict_nuget_prints(client: TestClient) -> None:
    pushed(client, nupkg("Hello.World", "1.0.0-Beta"))
    for again in (nupkg("Hello.World", "1.0.0-Beta"), nupkg("HELLO.world", "1.0-beta+x")):
        answer = push(client, again)
        assert answer.status_code == 409
        message = 'Version 1.0.0-beta of "HELLO.world" has already been pushed.'
        if b"HELLO" not in again:
            message = 'Version 1.0.0-Beta of "Hello.World" has already been pushed.'
        assert answer.text == message + "\n"
        assert answer.headers["x-nuget-warning"] == message
    assert list(versions(client, "Hello.World")) == ["1.0.0-Beta"]


def test_pushes_without_the_right_are_refused_before_anything_is_stored(
    client: TestClient,
) -> None:
    data = nupkg()
    anonymous = push(client, data, None)
    assert anonymous.status_code == 401 and anonymous.text == NOT_AUTHENTICATED
    assert anonymous.headers["www-authenticate"] == 'Basic realm="GitHub Package Registry"'
    assert push(client, data, "ghp_nobody_000000000000000000000000000").status_code == 401
    assert push(client, data, BOB_READ).status_code == 403  # read:packages only
    stranger = push(client, data, CAROL)
    assert stranger.status_code == 403 and "alice" in stranger.text
    assert rest(client, "GET", "/user/packages/nuget/Hello.World").status_code == 404


def test_the_repository_element_links_the_package_to_the_owners_repository(
    client: TestClient,
) -> None:
    pushed(client, nupkg("Hello.World", repository="https://github.com/alice/tools.git"))
    package = rest(client, "GET", "/user/packages/nuget/Hello.World").json()
    assert package["repository"]["full_name"] == "alice/tools"
    other = push(client, nupkg("Other", repository="https://github.com/acme/web"))
    assert other.status_code == 400
    assert (
        other.text
        == "Source owner 'alice' does not match repo owner 'acme' in repository element.\n"
    )
    own_url = push(client, nupkg("Own", repository="http://testserver/alice/nosuch"))
    assert own_url.status_code == 400 and "alice/nosuch" in own_url.text
    elsewhere = push(client, nupkg("Elsewhere", repository="https://dev.azure.com/o/p/_git/r"))
    assert elsewhere.status_code == 201  # another forge's URL links nothing
    assert rest(client, "GET", "/user/packages/nuget/Other").status_code == 404


def test_the_registration_inlines_every_version_in_nugets_order(client: TestClient) -> None:
    dependencies = (
        '<dependencies><group targetFramework="net8.0">'
        '<dependency id="Newtonsoft.Json" version="13.0.1" /></group></dependencies>'
    )
    for version in ("1.10.0", "1.2.0", "1.2.0-rc.1", "1.2.0.1"):
        pushed(client, nupkg("Hello.World", version, dependencies=dependencies))
    answer = get(client, "registration/hello.world/index.json")
    index = answer.json()
    assert index["@id"] == f"{ROOT}/registration/hello.world/index.json" and index["count"] == 1
    page = index["items"][0]
    assert (page["lower"], page["upper"], page["count"]) == ("1.2.0-rc.1", "1.10.0", 4)
    assert registered(client, "hello.world") == ["1.2.0-rc.1", "1.2.0", "1.2.0.1", "1.10.0"]
    item = page["items"][0]
    entry = item["catalogEntry"]
    content = f"{ROOT}/download/hello.world/1.2.0-rc.1/hello.world.1.2.0-rc.1.nupkg"
    assert item["packageContent"] == entry["packageContent"] == content
    assert entry["id"] == "Hello.World" and entry["listed"] is True
    assert entry["dependencyGroups"][0]["targetFramework"] == "net8.0"
    assert entry["dependencyGroups"][0]["dependencies"][0]["range"] == "13.0.1"
    leaf = client.get(item["@id"], headers={"Authorization": basic(ALICE)})
    assert leaf.status_code == 200 and leaf.json()["packageContent"] == content
    flat = get(client, "download/hello.world/index.json").json()
    assert flat == {"versions": ["1.2.0-rc.1", "1.2.0", "1.2.0.1", "1.10.0"]}


def test_the_flat_container_serves_the_package_and_its_manifest(client: TestClient) -> None:
    data = nupkg("Hello.World", "1.0.0")
    pushed(client, data)
    package = get(client, "download/hello.world/1.0.0/hello.world.1.0.0.nupkg")
    assert package.status_code == 200 and package.content == data
    manifest = get(client, "download/hello.world/1.0.0/hello.world.nuspec")
    assert manifest.status_code == 200 and b"<id>Hello.World</id>" in manifest.content
    assert get(client, "download/hello.world/1.0.0/other.1.0.0.nupkg").status_code == 404
    assert get(client, "download/hello.world/9.0.0/hello.world.9.0.0.nupkg").status_code == 404


def test_a_nupkg_get_counts_one_download_and_a_head_none(client: TestClient) -> None:
    pushed(client, nupkg("Hello.World", "1.0.0"))
    path = f"{BASE}/download/hello.world/1.0.0/hello.world.1.0.0.nupkg"
    assert client.head(path, headers={"Authorization": basic(ALICE)}).status_code == 200
    assert get(client, "download/hello.world/1.0.0/hello.world.1.0.0.nupkg").status_code == 200
    assert get(client, "download/hello.world/1.0.0/hello.world.nuspec").status_code == 200
    report = rest(
        client, "GET", "/_packyard/user/packages/nuget/Hello.World/downloads?since=2000-01-01"
    )
    assert report.status_code == 200, report.text
    assert [(v["name"], v["downloads"]) for v in report.json()["versions"]] == [("1.0.0", 1)]


def test_a_stranger_learns_nothing_of_a_private_package(client: TestClient) -> None:
    pushed(client, nupkg("Hello.World", "1.0.0"))
    for path in (
        "registration/hello.world/index.json",
        "registration/hello.world/1.0.0.json",
        "download/hello.world/index.json",
        "download/hello.world/1.0.0/hello.world.1.0.0.nupkg",
        "download/hello.world/1.0.0/hello.world.nuspec",
    ):
        hidden = get(client, path, CAROL)
        missing = get(client, path.replace("hello.world", "nosuch"), CAROL)
        assert hidden.status_code == missing.status_code == 404, path
        assert hidden.text == missing.text.replace("nosuch", "hello.world"), path
        assert hidden.headers["x-nuget-warning"] == hidden.text.strip()
    assert get(client, "query", CAROL).json() == {"totalHits": 0, "data": []}
    assert delete(client, "Hello.World/1.0.0", CAROL).status_code == 404
    assert list(versions(client, "Hello.World")) == ["1.0.0"]


def test_a_public_package_still_needs_a_token_but_any_token_reads_it(
    client: TestClient, store: SqlStore
) -> None:
    pushed(client, nupkg("Hello.World", "1.0.0"))
    with store.engine.begin() as conn:
        conn.execute(
            update(t.packages).where(t.packages.c.name == "Hello.World").values(visibility="public")
        )
    path = "download/hello.world/1.0.0/hello.world.1.0.0.nupkg"
    assert get(client, path, None).status_code == 401
    assert get(client, path, CAROL).status_code == 200
    assert [d["id"] for d in get(client, "query", CAROL).json()["data"]] == ["Hello.World"]


def test_search_filters_pages_and_describes_the_newest_version(client: TestClient) -> None:
    pushed(client, nupkg("Hello.World", "1.0.0"))
    pushed(client, nupkg("Hello.World", "2.0.0-beta", description="Beta words"))
    pushed(client, nupkg("Hello.Moon", "0.1.0-alpha.1"))
    pushed(client, nupkg("Other", "3.0.0", description="Nothing to see"))
    plain = get(client, "query?q=id:hello").json()
    assert plain["totalHits"] == 1
    [world] = plain["data"]
    assert (world["id"], world["version"], world["description"]) == (
        "Hello.World",
        "1.0.0",
        "A package for tests",
    )
    assert world["registration"] == f"{ROOT}/registration/hello.world/index.json"
    assert [v["version"] for v in world["versions"]] == ["1.0.0"]
    pre = get(client, "query?q=id:hello&prerelease=true").json()
    assert [(d["id"], d["version"]) for d in pre["data"]] == [("Hello.World", "2.0.0-beta")]
    semver2 = get(client, "query?q=id:hello&prerelease=true&semVerLevel=2.0.0").json()
    assert [d["id"] for d in semver2["data"]] == ["Hello.Moon", "Hello.World"]
    everything = get(client, "query?prerelease=true&semVerLevel=2.0.0&skip=1&take=1").json()
    assert everything["totalHits"] == 3
    assert [d["id"] for d in everything["data"]] == ["Hello.World"]
    assert get(client, "query?q=packageid:other").json()["data"][0]["id"] == "Other"
    assert get(client, "query?take=many").status_code == 400


def test_nuget_delete_is_a_rest_delete_and_a_restore_brings_it_back(
    client: TestClient,
) -> None:
    pushed(client, nupkg("Hello.World", "1.0.0"))
    pushed(client, nupkg("Hello.World", "1.1.0"))
    before = get(client, "download/hello.world/1.0.0/hello.world.1.0.0.nupkg").content
    answer = delete(client, "Hello.World/1.0")  # the version as written: normalized
    assert answer.status_code == 204 and answer.content == b""
    assert list(versions(client, "Hello.World")) == ["1.1.0"]
    deleted = versions(client, "Hello.World", "deleted")
    assert registered(client, "hello.world") == ["1.1.0"]
    assert get(client, "download/hello.world/index.json").json() == {"versions": ["1.1.0"]}
    assert get(client, "download/hello.world/1.0.0/hello.world.1.0.0.nupkg").status_code == 404
    assert delete(client, "Hello.World/1.0.0").status_code == 404
    restored = rest(
        client, "POST", f"/user/packages/nuget/Hello.World/versions/{deleted['1.0.0']}/restore"
    )
    assert restored.status_code == 204
    again = get(client, "download/hello.world/1.0.0/hello.world.1.0.0.nupkg")
    assert again.content == before


def test_a_rest_delete_leaves_registration_flat_container_and_search(client: TestClient) -> None:
    pushed(client, nupkg("Hello.World", "1.0.0"))
    pushed(client, nupkg("Hello.World", "1.1.0"))
    newest = versions(client, "Hello.World")["1.1.0"]
    gone = rest(client, "DELETE", f"/user/packages/nuget/Hello.World/versions/{newest}")
    assert gone.status_code == 204
    assert registered(client, "hello.world") == ["1.0.0"]
    assert get(client, "download/hello.world/index.json").json() == {"versions": ["1.0.0"]}
    assert get(client, "query").json()["data"][0]["version"] == "1.0.0"


def test_deleting_the_last_version_deletes_the_package(client: TestClient) -> None:
    pushed(client, nupkg("Hello.World", "1.0.0"))
    assert delete(client, "Hello.World/1.0.0").status_code == 204
    assert rest(client, "GET", "/user/packages/nuget/Hello.World").status_code == 404
    assert get(client, "registration/hello.world/index.json").status_code == 404


def test_a_delete_needs_the_delete_right(client: TestClient, store: SqlStore, clock: Clock) -> None:
    pushed(client, nupkg("Hello.World", "1.0.0"))
    seed(
        store,
        {
            "tokens": [
                {
                    "user": "alice",
                    "token": "ghp_alice_write_000000000000000000000000",
                    "kind": "classic",
                    "scopes": ["read:packages", "write:packages"],
                }
            ]
        },
        clock.now,
    )
    refused = delete(client, "Hello.World/1.0.0", "ghp_alice_write_000000000000000000000000")
    assert refused.status_code == 403 and "delete:packages" in refused.text
    assert list(versions(client, "Hello.World")) == ["1.0.0"]


def test_a_deleted_number_may_be_pushed_again_and_the_old_one_then_not_restored(
    client: TestClient,
) -> None:
    pushed(client, nupkg("Hello.World", "1.0.0"))
    pushed(client, nupkg("Hello.World", "1.1.0"))
    old = versions(client, "Hello.World")["1.0.0"]
    assert delete(client, "Hello.World/1.0.0").status_code == 204
    pushed(client, nupkg("Hello.World", "1.0.0", description="again"))
    refused = rest(client, "POST", f"/user/packages/nuget/Hello.World/versions/{old}/restore")
    assert refused.status_code == 400


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"not a zip at all", "not a valid .nupkg"),
        (nupkg(manifest_name="lib/hello.nuspec"), "no .nuspec"),
        (nupkg(extra_files={"Second.nuspec": b"<package/>"}), "2 .nuspec"),
        (nupkg("Hello World"), "not a valid package id"),
        (nupkg("Hello", "1.0.0.0.0"), "not a valid version"),
    ],
    ids=["not-a-zip", "no-nuspec", "two-nuspecs", "bad-id", "bad-version"],
)
def test_bad_packages_get_a_clear_400_and_nothing_is_stored(
    client: TestClient, data: bytes, words: str
) -> None:
    answer = push(client, data)
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    assert words in answer.text and words in answer.headers["x-nuget-warning"]
    assert rest(client, "GET", "/user/packages?package_type=nuget").json() == []


def test_a_package_over_the_size_limit_is_refused(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = nupkg()
    monkeypatch.setattr(nuget_app, "MAX_NUPKG_SIZE", len(data) - 1)
    answer = push(client, data)
    assert answer.status_code == 400 and "larger than the limit" in answer.text
    monkeypatch.setattr(nuget_app.NuGetApp, "body_limit", 100)
    early = push(client, data)  # refused on its Content-Length, before the body is read
    assert early.status_code == 413 and "larger than the limit of 100" in early.text
    assert "limit of 100 bytes" in early.headers["x-nuget-warning"]
    assert rest(client, "GET", "/user/packages?package_type=nuget").json() == []
    monkeypatch.setattr(nuget_app, "MAX_NUPKG_SIZE", len(data))
    monkeypatch.setattr(nuget_app.NuGetApp, "body_limit", len(multipart(data)[0]))
    assert push(client, data).status_code == 201  # at the limit: accepted


def test_a_package_whose_file_name_the_store_cannot_hold_is_a_400(client: TestClient) -> None:
    # A 100-character id and a 200-character version are NuGet's, but the flat container's
    # `ID.VERSION.nupkg` is 307 characters and a file's name is a VARCHAR(255): PostgreSQL
    # refused the row with a 500.
    answer = push(client, nupkg("H" * 100, "1.0.0-" + "b" * 194))
    assert answer.status_code == 400, answer.text
    assert "255" in answer.text
    assert rest(client, "GET", "/user/packages?package_type=nuget").json() == []
