"""Where a package's web pages are: the paths the REST API puts in its `html_url`s (after
the web's base URL) and the pages serve, so every `html_url` opens a page."""

from __future__ import annotations

from urllib.parse import quote

from packyard.domain.types import Account, Package
from packyard.kept import keep

# Names and logins quoted, kept by the text and what stays unquoted: every versions page
# quoted its package's owner and name four times (`quote` walks the text in Python).
MAX_KEPT_QUOTED = 4096
_quoted: dict[tuple[str, str], str] = {}


def _quote(text: str, safe: str) -> str:
    quoted = _quoted.get((text, safe))
    if quoted is None:
        quoted = quote(text, safe=safe)
        keep(_quoted, (text, safe), quoted, MAX_KEPT_QUOTED)
    return quoted


def encode_name(name: str) -> str:
    """Package names go into URLs whole: `/` becomes `%2F`, `@` stays readable."""
    return _quote(name, "@")


def owner_path(owner: Account) -> str:
    """`/orgs/LOGIN` or `/users/LOGIN`."""
    return f"/{'orgs' if owner.is_org else 'users'}/{_quote(owner.login, '')}"


def package_page_path(package: Package) -> str:
    """The package's page (`…/TYPE/package/NAME`, GitHub's `html_url`)."""
    return (
        f"{owner_path(package.owner)}/packages/{package.package_type.value}/package/"
        f"{encode_name(package.name)}"
    )


def version_pages_prefix(package: Package) -> str:
    """What a version's page path is, but its id (`…/TYPE/NAME/`: no `package` segment,
    as GitHub's version `html_url` has none)."""
    return (
        f"{owner_path(package.owner)}/packages/{package.package_type.value}/"
        f"{encode_name(package.name)}/"
    )
