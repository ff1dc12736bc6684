"""Templates to HTML responses: one Jinja2 environment, autoescaping every template.

Package names, descriptions and tags are other people's text: autoescaping is on for every
template (not by file extension), and nothing here marks a value safe: the one exception is
a readme, rendered by `web.markdown` with raw HTML off and its links checked.
"""

from __future__ import annotations

from collections.abc import Hashable, MutableMapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
from markupsafe import Markup

from packyard.auth.sessions import csrf_token
from packyard.auth.tokens import SigningKeys
from packyard.domain.formats import traits
from packyard.domain.pages import package_page_path, version_pages_prefix
from packyard.domain.types import Account, Actor, Package, Repository, Version
from packyard.http.request import Request
from packyard.http.response import Response
from packyard.kept import keep
from packyard.web.rows import VersionRows

HTML_TYPE = "text/html; charset=utf-8"


def package_path(package: Package) -> str:
    """The package page: the REST API's `html_url` below the host."""
    return package_page_path(package)


def version_path(package: Package, version: Version | int) -> str:
    """A version's page: the REST API's version `html_url` below the host."""
    version_id = version if isinstance(version, int) else version.id
    return f"{version_pages_prefix(package)}{version_id}"


def owner_packages_path(owner: Account) -> str:
    if owner.is_org:
        return f"/orgs/{quote(owner.login, safe='')}/packages"
    return f"/{quote(owner.login, safe='')}?tab=packages"


def repository_packages_path(repository: Repository) -> str:
    return f"/{quote(repository.owner.login, safe='')}/{quote(repository.name, safe='')}/packages"


def tagged(package: Package) -> bool:
    """Whether the package's versions carry tags (containers): the pages show them."""
    return traits(package.package_type).tagged


def _date(value: datetime | None) -> str:
    return value.strftime("%b %-d, %Y") if value else "never"


def _number(value: int) -> str:
    return f"{value:,}"


def byte_size(value: int) -> str:
    """Bytes as a person reads them: 1,234 B, 12.3 kB, 4.5 MB (powers of 1,000, as Docker)."""
    if value < 1000:
        return f"{value:,} B"
    for unit in ("kB", "MB", "GB", "TB"):
        value_in = value / 1000
        if value_in < 1000 or unit == "TB":
            return f"{value_in:,.1f} {unit}"
        value = int(value_in)
    return f"{value:,} B"  # pragma: no cover - the loop returns


def _query(base: str, **params: Any) -> str:
    """`base` with the given query parameters, empty ones left out."""
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    if not kept:
        return base
    return base + ("&" if "?" in base else "?") + urlencode(kept)


# Fragments kept rendered; past it the least recently used is dropped.
MAX_KEPT_FRAGMENTS = 4096


class Fragments:
    """Partial templates kept rendered: each defines one macro, `fragment`, whose HTML is a
    pure function of its (hashable) arguments and the environment's globals, so one kept
    under its arguments is never stale. A package's header and a pager cost a versions page
    more than its 30 rows did (an include is a new context, and every path is quoted
    again)."""

    # Jinja asks every callable a template calls, and its `__call__`, whether it wants the
    # context passed (`jinja_pass_arg`): answered here (it does not), where each asking
    # raised and caught an AttributeError, twice a fragment, four fragments a page.
    jinja_pass_arg = None

    def __init__(self, env: jinja2.Environment) -> None:
        self._env = env
        self._render = lru_cache(maxsize=MAX_KEPT_FRAGMENTS)(self._fragment)

    def _fragment(self, name: str, *args: Hashable) -> Markup:
        macro = self._env.get_template(name).module.fragment  # type: ignore[attr-defined]
        return Markup(macro(*args))

    def __call__(self, name: str, *args: Hashable) -> Markup:
        return self._render(name, *args)

    __call__.jinja_pass_arg = None  # type: ignore[attr-defined]


def _pairs(values: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    """A dict as a fragment's argument: hashable, in a fixed order."""
    return tuple(values.items())


class _Environment(jinja2.Environment):
    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        """A template's globals as one plain dict, not Jinja's ChainMap over the
        environment's: every render copies them into its context, and copying a ChainMap
        is a Python-level walk of its keys. They are all set in `environment()`, before
        the first template is loaded, so the copy made here misses none."""
        return {**self.globals, **(d or {})}


def environment() -> jinja2.Environment:
    env = _Environment(
        loader=jinja2.PackageLoader("packyard.web", "templates"),
        autoescape=True,  # every template, whatever its name
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # The templates are package data: no file is looked at again per render, and a
        # plain dict keeps them all (no LRU cache taking a lock per lookup, twice a page
        # with its base template).
        auto_reload=False,
        cache_size=-1,
    )
    env.filters["date"] = _date
    env.filters["number"] = _number
    env.filters["size"] = byte_size
    env.filters["pairs"] = _pairs
    env.globals.update(
        package_path=package_path,
        version_path=version_path,
        tagged=tagged,
        owner_packages_path=owner_packages_path,
        repository_packages_path=repository_packages_path,
        with_query=_query,
    )
    env.globals["fragment"] = Fragments(env)
    return env


# Pages kept rendered around their slot; past it the oldest kept goes first. A frame is a
# page but its slot (~4 kB); one is kept per session and page of a listing looked at.
MAX_KEPT_FRAMES = 2048
# What a frame is rendered with in its slot, and split at. Text a template escapes cannot
# hold it (`<` becomes `&lt;`), so it is found once, where the slot is.
SLOT = "<!--packyard:slot-->"
_SLOT_BYTES = SLOT.encode()


class Frames:
    """Pages kept rendered around one slot (a versions page's rows): the page around it is
    a pure function of its template, its values (hashable, the frame's key with the signed-in
    user and the CSRF token) and the environment's globals, so a frame kept under them is
    never stale. Jinja's walk of a page (a new context, its base template's blocks, a call
    per fragment) cost a versions page more than the REST API's list spends rendering."""

    def __init__(self) -> None:
        self._kept: dict[Hashable, tuple[bytes, bytes]] = {}

    def get(self, key: Hashable) -> tuple[bytes, bytes] | None:
        return self._kept.get(key)

    def keep(self, key: Hashable, html: bytes) -> tuple[bytes, bytes] | None:
        """The page split around its slot and kept; None when the slot is not found once
        (a template that shows it twice or not at all: such a page is not kept)."""
        if html.count(_SLOT_BYTES) != 1:
            return None
        before, _, after = html.partition(_SLOT_BYTES)
        keep(self._kept, key, (before, after), MAX_KEPT_FRAMES)
        return before, after


@dataclass(frozen=True, slots=True)
class Page:
    """One request's renderer: who is signed in and the CSRF token its forms carry."""

    env: jinja2.Environment
    actor: Actor
    csrf: str
    request: Request
    version_rows: VersionRows
    frames: Frames

    def render(self, template: str, status: int = 200, **values: Any) -> Response:
        return _html_response(status, self._html(template, values))

    def render_around(self, template: str, slot: bytes | None, **values: Hashable) -> Response:
        """`render` of a page whose values are all hashable, with the page kept around its
        slot (`Frames`): `slot` is the HTML the template's `slot` value stands for (HTML,
        not escaped again), or None for a page that shows none (rendered as any page)."""
        if slot is None:
            return _html_response(200, self._html(template, {**values, "slot": None}))
        key = (template, self.actor.user, self.csrf, *values.items())
        frame = self.frames.get(key)
        if frame is None:
            frame = self.frames.keep(key, self._html(template, {**values, "slot": Markup(SLOT)}))
            if frame is None:  # the slot not shown once: no frame, the page with its slot
                shown = Markup(slot.decode())
                return _html_response(200, self._html(template, {**values, "slot": shown}))
        before, after = frame
        return _html_response(200, b"".join((before, slot, after)))

    def _html(self, template: str, values: dict[str, Any]) -> bytes:
        found = self.env.get_template(template)
        context = found.new_context(dict(user=self.actor.user, csrf=self.csrf, **values))
        try:
            # Encoded piece by piece, not joined first: one character past Latin-1 (the
            # footer's dash) made the whole joined page two bytes a character, copied wide
            # and then encoded character by character (a tenth of a versions page's
            # instructions), where an ASCII piece, its rows among them, is encoded by a
            # copy. From the template's own generator, as `Template.render` reads it, not
            # through `generate`'s: one generator less for every piece to pass through.
            return b"".join([piece.encode() for piece in found.root_render_func(context)])
        except Exception:
            self.env.handle_exception()

    def redirect(self, location: str, headers: dict[str, str] | None = None) -> Response:
        """303: after a form, the browser GETs the next page."""
        return Response(303, content=b"", headers={"Location": location, **(headers or {})})


def _html_response(status: int, html: bytes) -> Response:
    return Response(status, content=html, headers={"Content-Type": HTML_TYPE})


class Renderer:
    def __init__(self) -> None:
        self.env = environment()
        self.version_rows = VersionRows(self.env)
        self.frames = Frames()

    def page(self, actor: Actor, keys: SigningKeys, cookie: str, request: Request) -> Page:
        return Page(
            self.env, actor, csrf_token(keys, cookie), request, self.version_rows, self.frames
        )

    def server_error(self) -> bytes:
        """The 500 page: no session, no lookup, nothing that could fail again."""
        template = self.env.get_template("error.html")
        return template.render(
            user=None, csrf="", code=500, title="Server error", message="Something went wrong."
        ).encode()
