"""GitHub's rules for deleting and restoring packages and versions, as pure functions."""

from __future__ import annotations

import enum
import re
from datetime import datetime, timedelta

from packyard.domain.errors import BadRequest
from packyard.domain.formats import LastVersionRule, traits
from packyard.domain.types import Package, Version, Visibility

PUBLIC_DELETE_DOWNLOAD_LIMIT = 5_000
DEFAULT_RESTORE_WINDOW = timedelta(days=30)

LAST_TAGGED_VERSION_MESSAGE = (
    "You cannot delete the last tagged version of a package. You must delete the package instead."
)
LAST_VERSION_MESSAGE = (
    "You cannot delete the last version of a package. You must delete the package instead."
)
VERSION_DOWNLOAD_LIMIT_MESSAGE = (
    f"Publicly visible package versions with more than {PUBLIC_DELETE_DOWNLOAD_LIMIT} "
    "downloads cannot be deleted. Contact your administrator for further assistance."
)
PACKAGE_DOWNLOAD_LIMIT_MESSAGE = (
    f"Publicly visible packages with a version with more than {PUBLIC_DELETE_DOWNLOAD_LIMIT} "
    "downloads cannot be deleted. Contact your administrator for further assistance."
)

# GitHub logins: 1-39 alphanumerics or single hyphens, not starting or ending with one.
# GitHub's package settings, and its docs ("Configuring a package's access control and
# visibility"): a public package stays public.
PUBLIC_IS_FINAL_MESSAGE = "Once you make a package public, you cannot make it private again."

LOGIN_PATTERN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
# The first path segments the server's own pages and APIs take (GitHub reserves these names
# too): an account of one of these logins would have its page shadowed by them, or, as
# `orgs` or `settings`, its repositories' package lists.
RESERVED_LOGINS = frozenset(
    {"api", "login", "logout", "organizations", "orgs", "settings", "users", "v2"}
)


class VersionDeletion(enum.Enum):
    """What deleting one version turns into."""

    VERSION = "version"
    PACKAGE = "package"  # the last version of an npm/nuget/rubygems package takes the package


def normalize_name(name: str) -> str:
    """Logins, repository and package names match case-insensitively."""
    return name.lower()


def is_valid_login(login: str) -> bool:
    return bool(LOGIN_PATTERN.match(login)) and normalize_name(login) not in RESERVED_LOGINS


def exceeds_public_download_limit(visibility: Visibility, download_count: int) -> bool:
    return visibility is Visibility.PUBLIC and download_count > PUBLIC_DELETE_DOWNLOAD_LIMIT


def delete_counts_read(package: Package, version: Version) -> tuple[bool, bool]:
    """Which counts `check_can_delete_version` reads for this version: (live versions,
    tagged versions). Each count is a statement inside the delete's transaction, so the
    caller counts only these; a container's untagged version needs neither."""
    if traits(package.package_type).last_version is LastVersionRule.LAST_TAGGED_REFUSED:
        return False, bool(version.tags)
    return True, False


def check_can_delete_version(
    package: Package,
    version: Version,
    *,
    active_version_count: int | None,
    tagged_version_count: int | None,
) -> VersionDeletion:
    """Apply the last-version rules, then the download rule, in GitHub's order.

    `active_version_count` and `tagged_version_count` count the package's live versions,
    `version` included; None for a count `delete_counts_read` says is not read.
    """
    deletion = VersionDeletion.VERSION
    rule = traits(package.package_type).last_version
    if rule is LastVersionRule.LAST_TAGGED_REFUSED:
        if version.tags and _counted(tagged_version_count) <= 1:
            raise BadRequest(LAST_TAGGED_VERSION_MESSAGE)
    elif _counted(active_version_count) <= 1:
        if rule is LastVersionRule.REFUSED:
            raise BadRequest(LAST_VERSION_MESSAGE)
        deletion = VersionDeletion.PACKAGE
    if exceeds_public_download_limit(package.visibility, version.download_count):
        raise BadRequest(VERSION_DOWNLOAD_LIMIT_MESSAGE)
    return deletion


def _counted(count: int | None) -> int:
    if count is None:  # delete_counts_read and the check above disagree: a bug
        raise AssertionError("a count the delete rules read was not counted")
    return count


def check_can_delete_package(package: Package, max_version_downloads: int) -> None:
    if exceeds_public_download_limit(package.visibility, max_version_downloads):
        raise BadRequest(PACKAGE_DOWNLOAD_LIMIT_MESSAGE)


def is_restorable(deleted_at: datetime | None, now: datetime, window: timedelta) -> bool:
    """A deletion can be undone until exactly `window` after it, and not a moment later."""
    return deleted_at is not None and now - deleted_at <= window


def purge_cutoff(now: datetime, window: timedelta) -> datetime:
    """Deletions strictly older than this are past the window and may be purged."""
    return now - window


def may_change_visibility(current: Visibility, wanted: Visibility) -> bool:
    """Private and internal packages may become anything; a public one only stays public."""
    return current is not Visibility.PUBLIC or wanted is Visibility.PUBLIC
