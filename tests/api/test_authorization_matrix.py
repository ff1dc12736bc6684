"""Actors × scopes × package types × visibility × operation, each cell asserting GitHub's status.

The expectations come from `expected_role` and `expected_status` below: a second, plain
statement of GitHub's permission model (shared/spec/packages-api.md), independent of
`packyard.domain.permissions`. Every successful mutation is undone with an owner's token so
that cells do not disturb each other: the world is seeded once per module (`matrix_api`, not
per cell: seeding was a third of a cell's time), and each cell first reads the ids it needs
from it, so a mutation left undone shows in the next cell.
"""

from __future__ import annotations

import enum
import shutil
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from packyard.config import Settings
from packyard.core.files import settle_all_downloads
from packyard.server import build_store, create_app
from packyard.storage.db.engine import make_engine
from packyard.storage.db.migrate import upgrade
from tests.conftest import Api, Clock, DirectTransport, seed
from tests.openapi import validate
from tests.support import postgres_database

TYPES = ["npm", "maven", "rubygems", "docker", "nuget", "container"]
GRANULAR = {"npm", "rubygems", "nuget", "container"}
FULL = ["read:packages", "write:packages", "delete:packages", "repo"]
SCOPE_SETS = {
    "full": FULL,
    "read": ["read:packages"],
    "read+delete": ["read:packages", "delete:packages", "repo"],
    "none": ["repo"],
}
USERS = ["alice", "carol", "dave", "radmin", "rwrite", "rread", "padmin", "pwrite", "pread", "sam"]


class R(enum.IntEnum):
    NONE = 0
    READ = 1
    WRITE = 2
    ADMIN = 3


@dataclass(frozen=True)
class Pkg:
    owner: str  # alice (a user) or acme (an org)
    ptype: str
    visibility: str

    @property
    def name(self) -> str:
        return f"{self.ptype}-{self.visibility}"

    @property
    def path(self) -> str:
        scope = "orgs" if self.owner == "acme" else "users"
        return f"/{scope}/{self.owner}/packages/{self.ptype}/{self.name}"

    @property
    def gone_path(self) -> str:
        return self.path + "-gone"


PACKAGES = [
    Pkg(owner, ptype, visibility)
    for owner in ("alice", "acme")
    for ptype in TYPES
    for visibility in ("public", "private", "internal")
    if visibility != "internal" or (owner == "acme" and ptype in GRANULAR)
]


def expected_role(actor: str, pkg: Pkg) -> R:
    base = R.READ if pkg.visibility == "public" else R.NONE
    granular = pkg.ptype in GRANULAR
    if pkg.owner == "alice":
        return R.ADMIN if actor == "alice" else base
    # acme's packages are linked to the private repository acme/app and inherit from it.
    table = {
        "carol": R.ADMIN,  # organization owner
        "dave": R.READ if pkg.visibility == "internal" else base,  # member
        "radmin": R.ADMIN,
        "rwrite": R.WRITE,
        "rread": R.READ,
        "padmin": R.ADMIN if granular else base,
        "pwrite": R.WRITE if granular else base,
        "pread": R.READ if granular else base,
        "actions-ci": R.ADMIN if granular else base,  # acme/ci has Actions access (admin)
    }
    return max(table.get(actor, base), base)


OPERATIONS = {
    # name: (method, suffix, needed role, needed scopes, success status)
    "get_package": ("GET", "", R.READ, {"read:packages"}, 200),
    "list_versions": ("GET", "/versions", R.READ, {"read:packages"}, 200),
    "get_version": ("GET", "/versions/{live}", R.READ, {"read:packages"}, 200),
    "list_deleted": (
        "GET",
        "/versions?state=deleted",
        R.ADMIN,
        {"read:packages", "delete:packages"},
        200,
    ),
    "delete_version": (
        "DELETE",
        "/versions/{live}",
        R.ADMIN,
        {"read:packages", "delete:packages"},
        204,
    ),
    "restore_version": (
        "POST",
        "/versions/{gone}/restore",
        R.ADMIN,
        {"read:packages", "write:packages"},
        204,
    ),
    "delete_package": ("DELETE", "", R.ADMIN, {"read:packages", "delete:packages"}, 204),
    "restore_package": ("POST", "-gone/restore", R.ADMIN, {"read:packages", "write:packages"}, 204),
}


def expected_status(actor: str, scopes: list[str] | None, pkg: Pkg, operation: str) -> int:
    method, _suffix, needed_role, needed_scopes, success = OPERATIONS[operation]
    if actor == "fine-grained":
        return 403
    if scopes is None:  # anonymous
        if method != "GET" or operation == "list_deleted":
            return 401
        return success if expected_role(actor, pkg) >= needed_role else 404
    role = expected_role(actor, pkg)
    if role < R.READ:
        return 404
    needed = set(needed_scopes)
    if pkg.ptype not in GRANULAR and pkg.visibility != "public":
        needed.add("repo")
    if not needed <= set(scopes):
        return 403
    return success if role >= needed_role else 404


def matrix_world() -> dict[str, Any]:
    tokens: list[dict[str, Any]] = [
        {"user": user, "token": f"tok-{user}-{label}", "kind": "classic", "scopes": scopes}
        for user in USERS
        for label, scopes in SCOPE_SETS.items()
    ]
    tokens += [
        {
            "token": "tok-actions-ci",
            "kind": "actions",
            "repository": "acme/ci",
            "permissions": {"packages": "write"},
        },
        {
            "token": "tok-actions-other",
            "kind": "actions",
            "repository": "acme/other",
            "permissions": {"packages": "write"},
        },
        {"user": "sam", "token": "tok-fine-grained", "kind": "fine_grained"},
    ]
    packages = []
    for pkg in PACKAGES:
        versions: list[dict[str, Any]] = [
            {"name": "0.1.0", "tags": ["keep"] if pkg.ptype in ("container", "docker") else None},
            {"name": "0.2.0"},
            {"name": "0.3.0", "deleted_at": "2026-02-28T00:00:00Z"},
        ]
        for version in versions:
            if version.get("tags") is None:
                version.pop("tags", None)
        common: dict[str, Any] = {
            "owner": pkg.owner,
            "package_type": pkg.ptype,
            "visibility": pkg.visibility,
        }
        if pkg.owner == "acme":
            common["repository"] = "acme/app"
            if pkg.ptype in GRANULAR:
                common["access"] = [
                    {"user": "padmin", "role": "admin"},
                    {"user": "pwrite", "role": "write"},
                    {"user": "pread", "role": "read"},
                    {"repository": "acme/ci", "role": "admin"},
                ]
        packages.append({**common, "name": pkg.name, "versions": versions})
        packages.append(
            {
                **common,
                "name": pkg.name + "-gone",
                "deleted_at": "2026-02-28T00:00:00Z",
                "versions": [{"name": "1.0.0"}],
            }
        )
    return {
        "users": [{"login": u} for u in USERS],
        "orgs": [
            {
                "login": "acme",
                "members": [{"user": "carol", "role": "admin"}, {"user": "dave", "role": "member"}],
            }
        ],
        "repositories": [
            {
                "owner": "acme",
                "name": "app",
                "visibility": "private",
                "collaborators": [
                    {"user": "radmin", "permission": "admin"},
                    {"user": "rwrite", "permission": "write"},
                    {"user": "rread", "permission": "read"},
                ],
            },
            {"owner": "acme", "name": "ci", "visibility": "private"},
            {"owner": "acme", "name": "other", "visibility": "private"},
        ],
        "tokens": tokens,
        "packages": packages,
    }


ACTORS: list[tuple[str, str | None, list[str] | None]] = [
    *[
        (user, f"tok-{user}-{label}", scopes)
        for user in USERS
        for label, scopes in SCOPE_SETS.items()
    ],
    ("actions-ci", "tok-actions-ci", ["read:packages", "write:packages", "delete:packages"]),
    ("actions-other", "tok-actions-other", ["read:packages", "write:packages", "delete:packages"]),
    ("fine-grained", "tok-fine-grained", []),
    ("anonymous", None, None),
]


def admin_token(pkg: Pkg) -> str:
    return "tok-alice-full" if pkg.owner == "alice" else "tok-carol-full"


def version_ids(api: Api, pkg: Pkg) -> tuple[int, int]:
    token = admin_token(pkg)
    live = {v["name"]: v["id"] for v in api.get(pkg.path + "/versions", token, check=False).json()}
    gone = {
        v["name"]: v["id"]
        for v in api.get(pkg.path + "/versions?state=deleted", token, check=False).json()
    }
    return live["0.2.0"], gone["0.3.0"]


def undo(api: Api, pkg: Pkg, operation: str, live: int, gone: int) -> None:
    token = admin_token(pkg)
    steps = {
        "delete_version": ("POST", f"{pkg.path}/versions/{live}/restore"),
        "restore_version": ("DELETE", f"{pkg.path}/versions/{gone}"),
        "delete_package": ("POST", f"{pkg.path}/restore"),
        "restore_package": ("DELETE", pkg.gone_path),
    }
    if operation in steps:
        method, path = steps[operation]
        assert api.request(method, path, token, check=False).status_code == 204, (operation, pkg)


@pytest.fixture(scope="module")
def matrix_api(
    backend: str, tmp_path_factory: pytest.TempPathFactory, _sqlite_template: Path
) -> Iterator[Api]:
    """The app over a database of its own with `matrix_world` seeded, for every cell: as the
    `api` fixture, but once per module (on PostgreSQL the shared test database is emptied
    before each test, so the module's world lives in a database of its own)."""
    data_dir = tmp_path_factory.mktemp("matrix")
    with ExitStack() as stack:
        if backend == "postgres":
            url = stack.enter_context(postgres_database("packyard_matrix"))
            migrated = make_engine(url)
            upgrade(migrated)
            migrated.dispose()
        else:
            shutil.copy(_sqlite_template, data_dir / "packyard.db")
            url = f"sqlite+pysqlite:///{data_dir / 'packyard.db'}"
        engine = make_engine(url)
        stack.callback(engine.dispose)
        stack.callback(settle_all_downloads)  # as `engine`: before the database goes
        clock = Clock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
        settings = Settings(
            data_dir=data_dir, database_url=url, base_url="http://testserver", gc_interval=None
        )
        seed(build_store(engine), matrix_world(), clock.now)
        app = create_app(settings, engine, clock=clock)
        transport = DirectTransport(app.rest)
        client = stack.enter_context(
            httpx.Client(transport=transport, base_url="http://testserver")
        )
        yield Api(client)


@pytest.mark.parametrize(
    ("actor", "token", "scopes"),
    ACTORS,
    ids=[f"{a}-{t.rsplit('-', 1)[-1] if t else 'anon'}" for a, t, _ in ACTORS],
)
def test_matrix(matrix_api: Api, actor: str, token: str | None, scopes: list[str] | None) -> None:
    api = matrix_api
    failures = []
    # openapi-core is slow: check each (operation, status, visibility) shape once per actor.
    checked: set[tuple[str, int, str]] = set()
    for pkg in PACKAGES:
        live, gone = version_ids(api, pkg)
        for operation, (method, suffix, *_rest) in OPERATIONS.items():
            path = pkg.path + suffix.format(live=live, gone=gone)
            response = api.request(method, path, token, check=False)
            shape = (operation, response.status_code, pkg.visibility)
            if shape not in checked:
                checked.add(shape)
                validate(response)
            want = expected_status(actor, scopes, pkg, operation)
            if response.status_code != want:
                failures.append(
                    f"{operation} {pkg}: got {response.status_code}, want {want}: "
                    f"{response.text[:120]}"
                )
            if response.status_code == 404:
                # Never reveal: a hidden package reads exactly like a missing one.
                assert response.json()["message"] in ("Package not found.", "Not Found"), path
            if response.status_code < 300:
                undo(api, pkg, operation, live, gone)
    assert failures == []
