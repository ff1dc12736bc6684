"""A second look: is a package, a version or a SNAPSHOT build still there?

A delete that answers 404 has not shown that nothing is there: GitHub (and Packyard) answer
404 as well to a caller who may see the package but is not its admin. A restore that fails
has not shown that nothing was restored: a run undone before is restored already. Each look
answers True or False, or raises the client's error when it cannot tell; `refused_404` turns
a delete's 404 and a look into "gone" or the reason the delete failed. `Client.delete_versions`
and prune (`client/prune/`) both decide so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from packyard.client import errors

if TYPE_CHECKING:
    from packyard.client._client import Client

# GitHub's docs: deleting a package or a version needs admin permission on it; without it,
# the delete answers 404 as if nothing were there.
NOT_AN_ADMIN = (
    "not an admin of this package: the delete answered 404 but the {what} is still there "
    "(deleting needs admin permission)"
)
UNCONFIRMED = "the delete answered 404, and whether the {what} is still there is unknown ({error})"


def refused_404(what: str, still_there: Callable[[], bool]) -> str | None:
    """After a delete of a `what` answered 404: None if a second look finds nothing (it is
    gone), else why the delete failed, as GitHub says it. A second look that fails is a
    failure too: never report unseen as gone."""
    try:
        there = still_there()
    except errors.PackyardClientError as error:
        return UNCONFIRMED.format(what=what, error=error)
    return NOT_AN_ADMIN.format(what=what) if there else None


def _scoped_get(
    client: Client, owner: str, operation: str
) -> tuple[Callable[..., object], dict[str, str]]:
    """`get_package` (or `get_package_version`) in `owner`'s scope for this token."""
    scope = client.scope_of(owner)
    packages = client.rest.packages
    if scope == "user":
        return getattr(packages, f"{operation}_for_authenticated_user"), {}
    if scope == "org":
        return getattr(packages, f"{operation}_for_organization"), {"org": owner}
    return getattr(packages, f"{operation}_for_user"), {"username": owner}


def package_exists(client: Client, owner: str, package_type: str, name: str) -> bool:
    get, where = _scoped_get(client, owner, "get_package")
    try:
        get(package_type=package_type, package_name=name, **where)
    except errors.NotFound:
        return False
    return True


def version_exists(
    client: Client, owner: str, package_type: str, name: str, version_id: int
) -> bool:
    """Whether the version is live (a deleted one answers 404, as on GitHub)."""
    get, where = _scoped_get(client, owner, "get_package_version")
    try:
        get(
            package_type=package_type,
            package_name=name,
            package_version_id=version_id,
            **where,
        )
    except errors.NotFound:
        return False
    return True


def build_exists(
    client: Client, owner: str, package_type: str, name: str, version_id: int, build_id: int
) -> bool:
    """Whether a SNAPSHOT build is active (Packyard's builds endpoint)."""
    try:
        active = client.list_builds(owner, package_type, name, version_id)
    except errors.NotFound:
        return False  # the version itself is gone, and its builds with it
    return any(b.id == build_id for b in active)
