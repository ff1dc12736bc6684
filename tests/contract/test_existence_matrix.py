"""What a caller may not see is indistinguishable from what does not exist, on every surface.

Actors (anonymous; a stranger whose token has every scope; a stranger with a read-only
token; a writer; the admin) × targets (alice's private package, a name nobody took, a public
package) × the routes of the REST API (a representative set), `/v2/` (every route), npm (every
route), Maven, RubyGems and NuGet (their read and write routes). For each actor that may not
see the private package, its answers for "private" and "missing" are compared: status, body
and headers, after the name (`secret` / `absent`, equally long) is replaced. Every answer, to
every actor, is below 500. A name of an owner nobody has (`ghost`) is compared too, on every
registry; and on `/v2/` and npm, an organization's member, who may push to the org's free
names, is compared on acme's private package and a free name of acme's (the routes of a push
aside: whether a name may be pushed to is what a push answers).

One world per surface, every request in one test: the matrix runs in a few seconds.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from packyard.storage.db.store import SqlStore
from tests.conftest import ALICE, BOB_READ, Clock, seed
from tests.unit.registries.nuget.nupkg_builder import multipart, nupkg
from tests.unit.registries.rubygems.gem_builder import gem

CAROL = "ghp_carol_full_0000000000000000000000000"  # every scope; nothing of alice's
DAVE = "ghp_dave_write_0000000000000000000000000"  # every scope; writes alice's `secret`
EVERY_SCOPE = ["read:packages", "write:packages", "delete:packages", "repo"]


@dataclass(frozen=True)
class Target:
    owner: str
    name: str


# Names of one length, so that lengths do not tell them apart either.
PRIVATE = Target("alice", "secret")
MISSING = Target("alice", "absent")  # a name nobody took
UNOWNED = Target("ghost", "secret")  # of an owner who does not exist
PUBLIC = Target("alice", "public")
# acme's (examples/world.yaml): carol is its admin, dave a member, who may push to any name
# of acme's nobody took but sees none of its private packages.
ORG_PRIVATE = Target("acme", "secret")
ORG_MISSING = Target("acme", "absent")
ORG_PUBLIC = Target("acme", "public")
ORG_ACTORS: dict[str, tuple[str | None, bool]] = {
    "org member": (DAVE, False),
    "org admin": (CAROL, True),
}
# Actors, and whether each may see alice's private packages.
ACTORS: dict[str, tuple[str | None, bool]] = {
    "anonymous": (None, False),
    "stranger": (CAROL, False),
    "read-only": (BOB_READ, False),
    "writer": (DAVE, True),
    "admin": (ALICE, True),
}
UPLOAD_ID = re.compile(r"[0-9a-f]{32}")
# Headers that differ from one request to the next whatever the target.
VOLATILE = {
    "date",
    "x-github-request-id",
    "x-ratelimit-remaining",
    "x-ratelimit-used",
    "x-ratelimit-reset",
}

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
CONFIG, LAYER = b"{}", b"a layer of secrets"


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def manifest(subject: str | None = None) -> bytes:
    document: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": sha(CONFIG),
            "size": len(CONFIG),
        },
        "layers": [
            {
                "mediaType": "application/vnd.oci.image.layer.v1.tar",
                "digest": sha(LAYER),
                "size": len(LAYER),
            }
        ],
    }
    if subject:
        document["subject"] = {"mediaType": OCI_MANIFEST, "digest": subject, "size": 1}
        document["artifactType"] = "application/vnd.example.signature"
    return json.dumps(document).encode()


MANIFEST = manifest()
REFERRER = manifest(subject=sha(MANIFEST))
TARBALL = b"npm tarball bytes"


def npm_document(target: Target, version: str, attach: bool = True) -> dict[str, Any]:
    name = target.name
    scoped = f"@{target.owner}/{name}"
    document: dict[str, Any] = {
        "_id": scoped,
        "name": scoped,
        "versions": {version: {"name": scoped, "version": version}},
        "dist-tags": {"latest": version},
    }
    if attach:
        data = base64.b64encode(TARBALL).decode()
        document["_attachments"] = {f"{name}-{version}.tgz": {"data": data, "length": 17}}
    return document


@dataclass
class Call:
    label: str
    method: str
    path: Callable[[Target], str]
    kwargs: Callable[[Target], dict[str, Any]] = field(default=lambda _t: {})


Auth = Callable[[str | None], dict[str, str]]


def bearer(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def basic(token: str | None) -> dict[str, str]:
    if not token:
        return {}
    return {"Authorization": "Basic " + base64.b64encode(f"alice:{token}".encode()).decode()}


def normalized(answer: httpx.Response, target: Target) -> tuple[int, str, dict[str, str]]:
    def scrub(text: str) -> str:
        text = UPLOAD_ID.sub("UPLOAD", text).replace(target.owner, "OWNER")
        return text.replace(target.name, "NAME").replace(target.name.capitalize(), "NAME")

    headers = {k: scrub(v) for k, v in answer.headers.items() if k not in VOLATILE}
    return answer.status_code, scrub(answer.content.decode("latin-1")), headers


def difference(
    private: tuple[int, str, dict[str, str]], missing: tuple[int, str, dict[str, str]]
) -> str:
    """What tells the private package from the missing one, shortly."""
    if private[0] != missing[0]:
        return f"status {private[0]} ≠ {missing[0]} ({private[1][:100]} / {missing[1][:100]})"
    if private[1] != missing[1]:
        return f"{private[0]}, body {private[1][:150]!r} ≠ {missing[1][:150]!r}"
    keys = sorted(set(private[2]) | set(missing[2]))
    return f"{private[0]}, headers " + ", ".join(
        f"{k}: {private[2].get(k)!r} ≠ {missing[2].get(k)!r}"
        for k in keys
        if private[2].get(k) != missing[2].get(k)
    )


def walk(
    client: TestClient,
    calls: list[Call],
    auth: Auth,
    missing: tuple[Target, ...] = (MISSING,),
    *,
    private: Target = PRIVATE,
    public: Target = PUBLIC,
    actors: dict[str, tuple[str | None, bool]] = ACTORS,
) -> list[str]:
    """Every call by every actor on every target; what differs, and every 5xx."""
    problems: list[str] = []
    # Actors who cannot see first: the others' writes (deletes) would change the world.
    for actor, (token, sees) in sorted(actors.items(), key=lambda a: a[1][1]):
        for call in calls:
            answers = {}
            for target in (private, *missing, public):
                kwargs = call.kwargs(target)
                headers = {**kwargs.pop("headers", {}), **auth(token)}
                answer = client.request(call.method, call.path(target), headers=headers, **kwargs)
                answers[target] = answer
                if answer.status_code >= 500:
                    problems.append(f"{actor} {call.label} on {target}: {answer.status_code}")
            if sees:
                continue
            hidden = normalized(answers[private], private)
            for target in missing:
                absent = normalized(answers[target], target)
                if hidden != absent:
                    problems.append(
                        f"{actor} {call.label} (vs {target.owner}/{target.name}): "
                        + difference(hidden, absent)
                    )
    return problems


def check(problems: list[str]) -> None:
    assert not problems, "\n".join(problems)


# the world ----------------------------------------------------------------------------


def private_package(package_type: str, name: str) -> dict[str, Any]:
    return {
        "owner": "alice",
        "package_type": package_type,
        "name": name,
        "visibility": "private",
        "access": [{"user": "dave", "role": "write"}],
    }


def public_package(package_type: str, name: str) -> dict[str, Any]:
    return {"owner": "alice", "package_type": package_type, "name": name, "visibility": "public"}


@pytest.fixture
def client(app: Any, world: Any, store: SqlStore, clock: Clock) -> Iterator[TestClient]:
    packages = []
    for package_type, name in (
        ("npm", f"@alice/{PRIVATE.name}"),
        ("container", PRIVATE.name),
        ("rubygems", PRIVATE.name),
        ("nuget", PRIVATE.name.capitalize()),
    ):
        packages.append(private_package(package_type, name))
    for package_type, name in (
        ("npm", f"@alice/{PUBLIC.name}"),
        ("container", PUBLIC.name),
        ("rubygems", PUBLIC.name),
        ("nuget", PUBLIC.name.capitalize()),
    ):
        packages.append(public_package(package_type, name))
    # acme's: private with no grant (hidden from dave, a member), and public.
    packages.append({**private_package("container", ORG_PRIVATE.name), "owner": "acme"})
    packages[-1].pop("access")
    packages.append({**public_package("container", ORG_PUBLIC.name), "owner": "acme"})
    packages.append({**private_package("npm", f"@acme/{ORG_PRIVATE.name}"), "owner": "acme"})
    packages[-1].pop("access")
    packages.append({**public_package("npm", f"@acme/{ORG_PUBLIC.name}"), "owner": "acme"})
    seed(
        store,
        {
            "tokens": [
                {"user": "carol", "token": CAROL, "kind": "classic", "scopes": EVERY_SCOPE},
                {"user": "dave", "token": DAVE, "kind": "classic", "scopes": EVERY_SCOPE},
            ],
            "repositories": [
                {
                    "owner": "alice",
                    "name": PRIVATE.name,
                    "visibility": "private",
                    "collaborators": [{"user": "dave", "permission": "write"}],
                },
                {"owner": "alice", "name": PUBLIC.name, "visibility": "public"},
            ],
            "packages": packages,
        },
        clock.now,
    )
    with TestClient(app, base_url="http://testserver") as c:
        yield c


def ok(answer: httpx.Response) -> None:
    assert answer.status_code < 300, (answer.request.url, answer.status_code, answer.text)


# REST ---------------------------------------------------------------------------------


def publish_npm(
    client: TestClient, target: Target, version: str = "1.0.0", token: str = ALICE
) -> None:
    ok(
        client.put(
            f"/_registry/npm/@{target.owner}%2f{target.name}",
            json=npm_document(target, version),
            headers=bearer(token),
        )
    )


def test_rest(client: TestClient) -> None:
    for target in (PRIVATE, PUBLIC):
        publish_npm(client, target, "1.0.0")
        publish_npm(client, target, "1.1.0")
    listed = client.get("/api/v3/user/packages/npm/secret/versions", headers=bearer(ALICE))
    ok(listed)
    version_id = listed.json()[-1]["id"]

    def rest(tail: str = "") -> Callable[[Target], str]:
        return lambda t: f"/api/v3/users/{t.owner}/packages/npm/{t.name}{tail}"

    calls = [
        Call("get package", "GET", rest()),
        Call("list versions", "GET", rest("/versions")),
        Call("get version", "GET", rest(f"/versions/{version_id}")),
        Call("delete version", "DELETE", rest(f"/versions/{version_id}")),
        Call("restore", "POST", rest(f"/versions/{version_id}/restore")),
    ]
    # An unknown user is GitHub's plain "Not Found", a package it cannot show "Package not
    # found.": GitHub's REST API tells accounts apart (their pages are public), so only
    # names under alice are compared here.
    check(walk(client, calls, bearer))


# /v2/ ---------------------------------------------------------------------------------


def push_images(client: TestClient, targets: tuple[Target, ...], token: str) -> dict[Target, str]:
    """An image and a referrer in each target, and an upload started in each: its id."""
    uploads = {}
    for target in targets:
        name = f"{target.owner}/{target.name}"
        for blob in (CONFIG, LAYER):
            ok(
                client.post(
                    f"/v2/{name}/blobs/uploads/",
                    params={"digest": sha(blob)},
                    content=blob,
                    headers=basic(token),
                )
            )
        for reference, document in (("v1", MANIFEST), ("sig", REFERRER)):
            ok(
                client.put(
                    f"/v2/{name}/manifests/{reference}",
                    content=document,
                    headers={"Content-Type": OCI_MANIFEST, **basic(token)},
                )
            )
        started = client.post(f"/v2/{name}/blobs/uploads/", headers=basic(token))
        ok(started)
        uploads[target] = started.headers["Docker-Upload-UUID"]
    return uploads


# The routes of a push: a name is either pushable or not, so one who may push to a free name
# (an org's member) hears that a name taken by a package hidden from them is not — that it
# is taken is all they learn (GitHub's answer too). Every other route hides it.
PUSH_ROUTES = frozenset(
    {
        "manifest PUT",
        "manifest PUT by digest",
        "upload POST",
        "upload POST whole",
        "upload POST mount",
        "upload GET",
        "upload PATCH",
        "upload PUT",
        "upload DELETE",
    }
)


def v2_calls(upload: str) -> list[Call]:
    """Every route of `/v2/`; `upload`: an upload's id, asked of every target."""

    def v2(rest: str) -> Callable[[Target], str]:
        return lambda t: f"/v2/{t.owner}/{t.name}/{rest}"

    digest, layer = sha(MANIFEST), sha(LAYER)
    pushed = {"headers": {"Content-Type": OCI_MANIFEST}, "content": MANIFEST}
    return [
        Call("manifest GET by tag", "GET", v2("manifests/v1")),
        Call("manifest HEAD by tag", "HEAD", v2("manifests/v1")),
        Call("manifest GET by digest", "GET", v2(f"manifests/{digest}")),
        Call("manifest GET of nothing", "GET", v2("manifests/nope")),
        Call("manifest PUT", "PUT", v2("manifests/v2"), lambda _t: dict(pushed)),
        Call("manifest PUT by digest", "PUT", v2(f"manifests/{digest}"), lambda _t: dict(pushed)),
        Call("manifest DELETE by tag", "DELETE", v2("manifests/v1")),
        Call("manifest DELETE by digest", "DELETE", v2(f"manifests/{digest}")),
        Call("blob GET", "GET", v2(f"blobs/{layer}")),
        Call("blob HEAD", "HEAD", v2(f"blobs/{layer}")),
        Call("blob GET of nothing", "GET", v2(f"blobs/{sha(b'nothing')}")),
        Call("blob DELETE", "DELETE", v2(f"blobs/{layer}")),
        Call("upload POST", "POST", v2("blobs/uploads/")),
        Call(
            "upload POST whole",
            "POST",
            v2("blobs/uploads/"),
            lambda _t: {"params": {"digest": sha(b"new")}, "content": b"new"},
        ),
        Call(
            "upload POST mount",
            "POST",
            v2("blobs/uploads/"),
            lambda t: {"params": {"mount": layer, "from": f"{t.owner}/{t.name}"}},
        ),
        Call(
            "mount from it elsewhere",
            "POST",
            lambda _t: "/v2/carol/mine/blobs/uploads/",
            lambda t: {"params": {"mount": layer, "from": f"{t.owner}/{t.name}"}},
        ),
        Call(
            "mount from it into the owner's free name",
            "POST",
            lambda t: f"/v2/{t.owner}/mine/blobs/uploads/",
            lambda t: {"params": {"mount": layer, "from": f"{t.owner}/{t.name}"}},
        ),
        Call("upload GET", "GET", v2(f"blobs/uploads/{upload}")),
        Call("upload PATCH", "PATCH", v2(f"blobs/uploads/{upload}"), lambda _t: {"content": b"x"}),
        Call(
            "upload PUT",
            "PUT",
            v2(f"blobs/uploads/{upload}"),
            lambda _t: {"params": {"digest": sha(b"x")}},
        ),
        Call("upload DELETE", "DELETE", v2(f"blobs/uploads/{upload}")),
        Call("tags", "GET", v2("tags/list")),
        Call("tags paged", "GET", v2("tags/list"), lambda _t: {"params": {"n": "1"}}),
        Call("referrers", "GET", v2(f"referrers/{digest}")),
        Call(
            "referrers filtered",
            "GET",
            v2(f"referrers/{digest}"),
            lambda _t: {"params": {"artifactType": "application/vnd.example.signature"}},
        ),
    ]


def test_v2(client: TestClient) -> None:
    upload = push_images(client, (PRIVATE, PUBLIC), ALICE)[PRIVATE]
    check(walk(client, v2_calls(upload), basic, (MISSING, UNOWNED)))


def test_v2_to_an_org_member(client: TestClient) -> None:
    upload = push_images(client, (ORG_PRIVATE, ORG_PUBLIC), CAROL)[ORG_PRIVATE]
    calls = [c for c in v2_calls(upload) if c.label not in PUSH_ROUTES]
    check(
        walk(
            client,
            calls,
            basic,
            (ORG_MISSING,),
            private=ORG_PRIVATE,
            public=ORG_PUBLIC,
            actors=ORG_ACTORS,
        )
    )


# npm ----------------------------------------------------------------------------------


def test_npm(client: TestClient) -> None:
    for target in (PRIVATE, PUBLIC):
        publish_npm(client, target)
    check(walk(client, npm_calls(), bearer, (MISSING, UNOWNED)))


# A publish answers an org member whether they may write to the name (a name hidden from
# them is taken, which is all they learn; a free one would become theirs). The writes that
# only change a package (dist-tags, deprecate, unpublish) answer a hidden one as a free name.
NPM_WRITE_ROUTES = frozenset({"publish"})


def test_npm_to_an_org_member(client: TestClient) -> None:
    for target in (ORG_PRIVATE, ORG_PUBLIC):
        publish_npm(client, target, token=CAROL)
    calls = [c for c in npm_calls() if c.label not in NPM_WRITE_ROUTES]
    check(
        walk(
            client,
            calls,
            bearer,
            (ORG_MISSING,),
            private=ORG_PRIVATE,
            public=ORG_PUBLIC,
            actors=ORG_ACTORS,
        )
    )


def npm_calls() -> list[Call]:
    """Every route of npm's registry."""

    def npm(rest: str = "", encoded: bool = True) -> Callable[[Target], str]:
        slash = "%2f" if encoded else "/"
        return lambda t: f"/_registry/npm/@{t.owner}{slash}{t.name}{rest}"

    def tags(rest: str = "") -> Callable[[Target], str]:
        return lambda t: f"/_registry/npm/-/package/@{t.owner}%2f{t.name}/dist-tags{rest}"

    def tarball(rest: str = "") -> Callable[[Target], str]:
        return lambda t: f"/_registry/npm/@{t.owner}/{t.name}/-/{t.name}-1.0.0.tgz{rest}"

    def deprecate(target: Target) -> dict[str, Any]:
        document = npm_document(target, "1.0.0", attach=False)
        document["versions"]["1.0.0"]["deprecated"] = "do not use"
        return {"json": document}

    def unpublish(target: Target) -> dict[str, Any]:
        return {"json": {**npm_document(target, "1.0.0", attach=False), "versions": {}}}

    return [
        Call("packument GET", "GET", npm()),
        Call("packument GET, two segments", "GET", npm(encoded=False)),
        Call("packument HEAD", "HEAD", npm()),
        Call(
            "abbreviated packument",
            "GET",
            npm(),
            lambda _t: {"headers": {"Accept": "application/vnd.npm.install-v1+json"}},
        ),
        Call("version GET", "GET", npm("/1.0.0", encoded=False)),
        Call("version HEAD", "HEAD", npm("/latest", encoded=False)),
        Call("version GET of nothing", "GET", npm("/9.9.9", encoded=False)),
        Call("dist-tags GET", "GET", tags()),
        Call("dist-tag PUT", "PUT", tags("/beta"), lambda _t: {"json": "1.0.0"}),
        Call("dist-tag DELETE", "DELETE", tags("/beta")),
        Call("tarball GET", "GET", tarball()),
        Call("tarball HEAD", "HEAD", tarball()),
        Call("tarball DELETE", "DELETE", tarball()),
        Call("tarball DELETE -rev", "DELETE", tarball("/-rev/1-abc")),
        Call("publish", "PUT", npm(), lambda t: {"json": npm_document(t, "2.0.0")}),
        Call("deprecate", "PUT", npm(), deprecate),
        Call("unpublish a version", "PUT", npm("/-rev/1-abc"), unpublish),
        Call("unpublish the package", "DELETE", npm("/-rev/1-abc")),
    ]


# Maven, RubyGems, NuGet ---------------------------------------------------------------
# Their feeds are the owner's (`/_registry/rubygems/OWNER/`): an owner nobody has answers
# as an owner whose packages the caller may not see.

POM = b"<project><modelVersion>4.0.0</modelVersion></project>"


def pom(target: Target, version: str = "1.0") -> str:
    t = target
    return (
        f"/_registry/maven/{t.owner}/{t.name}/com/example/{t.name}/{version}/{t.name}-{version}.pom"
    )


def test_maven(client: TestClient) -> None:
    for target in (PRIVATE, PUBLIC):
        ok(client.put(pom(target), content=POM, headers=basic(ALICE)))
    calls = [
        Call("pom GET", "GET", pom),
        Call("pom HEAD", "HEAD", pom),
        Call("pom checksum", "GET", lambda t: pom(t) + ".sha1"),
        Call(
            "metadata",
            "GET",
            lambda t: (
                f"/_registry/maven/{t.owner}/{t.name}/com/example/{t.name}/maven-metadata.xml"
            ),
        ),
        Call(
            "every repository",
            "GET",
            lambda t: f"/_registry/maven/{t.owner}/*/com/example/{t.name}/1.0/{t.name}-1.0.pom",
        ),
        Call("deploy", "PUT", lambda t: pom(t, "2.0"), lambda _t: {"content": POM}),
        Call("redeploy", "PUT", pom, lambda _t: {"content": POM}),
    ]
    check(walk(client, calls, basic, (MISSING, UNOWNED)))


def test_rubygems(client: TestClient) -> None:
    def base(t: Target) -> str:
        return f"/_registry/rubygems/{t.owner}"

    for target in (PRIVATE, PUBLIC):
        ok(
            client.post(
                f"{base(target)}/api/v1/gems",
                content=gem(target.name, "1.0.0"),
                headers={"Content-Type": "application/octet-stream", **bearer(ALICE)},
            )
        )
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    calls = [
        Call("info", "GET", lambda t: f"{base(t)}/info/{t.name}"),
        Call("gem", "GET", lambda t: f"{base(t)}/gems/{t.name}-1.0.0.gem"),
        Call("gem HEAD", "HEAD", lambda t: f"{base(t)}/gems/{t.name}-1.0.0.gem"),
        Call("gemspec", "GET", lambda t: f"{base(t)}/quick/Marshal.4.8/{t.name}-1.0.0.gemspec.rz"),
        Call("dependencies", "GET", lambda t: f"{base(t)}/api/v1/dependencies?gems={t.name}"),
        Call(
            "push",
            "POST",
            lambda t: f"{base(t)}/api/v1/gems",
            lambda t: {
                "content": gem(t.name, "2.0.0"),
                "headers": {"Content-Type": "application/octet-stream"},
            },
        ),
        Call(
            "yank",
            "DELETE",
            lambda t: f"{base(t)}/api/v1/gems/yank",
            lambda t: {"content": f"gem_name={t.name}&version=1.0.0".encode(), "headers": form},
        ),
    ]
    check(walk(client, calls, basic, (MISSING, UNOWNED)))


def test_nuget(client: TestClient) -> None:
    def base(t: Target) -> str:
        return f"/_registry/nuget/{t.owner}"

    def push(target: Target, version: str) -> dict[str, Any]:
        body, content_type = multipart(nupkg(target.name.capitalize(), version))
        return {"content": body, "headers": {"Content-Type": content_type}}

    for target in (PRIVATE, PUBLIC):
        kwargs = push(target, "1.0.0")
        headers = {**kwargs.pop("headers"), **basic(ALICE)}
        ok(client.put(f"{base(target)}/api/v2/package", headers=headers, **kwargs))
    calls = [
        Call("registration", "GET", lambda t: f"{base(t)}/registration/{t.name}/index.json"),
        Call("registration leaf", "GET", lambda t: f"{base(t)}/registration/{t.name}/1.0.0.json"),
        Call("flat versions", "GET", lambda t: f"{base(t)}/download/{t.name}/index.json"),
        Call("nupkg", "GET", lambda t: f"{base(t)}/download/{t.name}/1.0.0/{t.name}.1.0.0.nupkg"),
        Call(
            "nupkg HEAD",
            "HEAD",
            lambda t: f"{base(t)}/download/{t.name}/1.0.0/{t.name}.1.0.0.nupkg",
        ),
        Call("search", "GET", lambda t: f"{base(t)}/query?q={t.name}"),
        Call("push", "PUT", lambda t: f"{base(t)}/api/v2/package", lambda t: push(t, "2.0.0")),
        Call("push to the root", "PUT", lambda t: f"{base(t)}/", lambda t: push(t, "2.1.0")),
        Call("delete", "DELETE", lambda t: f"{base(t)}/api/v2/package/{t.name}/1.0.0"),
        Call("delete at the root", "DELETE", lambda t: f"{base(t)}/{t.name}/1.0.0"),
    ]
    check(walk(client, calls, basic, (MISSING, UNOWNED)))
