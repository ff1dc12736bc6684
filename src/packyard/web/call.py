"""What a page's handler is given, and the parsing every handler shares."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from packyard.auth.tokens import SigningKeys
from packyard.config import Settings
from packyard.core.context import Context
from packyard.domain.errors import NotFound, Unprocessable
from packyard.domain.ids import parse_id
from packyard.domain.pagination import PageRequest, page_request
from packyard.http.request import Request
from packyard.http.response import Response
from packyard.http.router import Route
from packyard.services.access import NOT_FOUND, OwnerScope
from packyard.services.packages import PackageAddress
from packyard.web.render import Page

PER_PAGE = 30
_MAX_PAGE_DIGITS = 6  # page 999,999 of 30: past any package's versions


@dataclass(frozen=True, slots=True)
class Call:
    """What a handler is given: the context, the request, its path parameters and form."""

    ctx: Context
    request: Request
    params: dict[str, str]
    form: dict[str, str]
    page: Page
    keys: SigningKeys
    settings: Settings
    secure: bool


@dataclass(frozen=True, slots=True)
class Needs:
    """What a route needs, spelled out on every row (no defaults): a page that acts needs a
    session, as the REST API's acting routes need a token (anonymous: 401, the sign-in form)."""

    signed_in: bool


ANYONE = Needs(signed_in=False)
SIGNED_IN = Needs(signed_in=True)

Handler = Callable[[Call], Response]
WebRoute = Route[Handler, Needs]


def page_of(call: Call) -> PageRequest:
    """`?page=N`: anything but a small positive number is the first page."""
    raw = call.request.query.get("page", "")
    number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= _MAX_PAGE_DIGITS else 1
    return page_request(number, PER_PAGE)


_SCOPES = {"users": OwnerScope.USERS, "orgs": OwnerScope.ORGS}


def address(call: Call) -> PackageAddress:
    scope = _SCOPES.get(call.params["scope"])
    if scope is None:
        raise NotFound(NOT_FOUND)
    return PackageAddress(scope, call.params["owner"], call.params["type"], call.params["name"])


def local(target: str) -> str:
    """Where to go after signing in: a path on this site, never another host. Browsers drop
    tabs and newlines from a URL (`/<TAB>/evil` is `//evil`) and read `\\` as `/`; a control
    character would also break the Location header: printable ASCII without spaces only."""
    printable = target.isascii() and target.isprintable() and " " not in target
    if printable and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return ""


def confirmed(call: Call, refusal: str) -> None:
    """A danger-zone form's check, as GitHub's: the person typed the package's name (else
    `refusal`, and nothing is done)."""
    if call.form.get("confirm", "").strip() != call.params["name"]:
        raise Unprocessable(refusal)


def version_id(call: Call) -> int | None:
    """`{version_id}`, read as the REST API reads its path ids (`parse_id`)."""
    return parse_id(call.params["version_id"])
