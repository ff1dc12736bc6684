"""Domain errors as pages: one table, as `api/errors.py` is for the REST API's JSON.

A 404 page says nothing of what was asked for: a package the caller may not see and one
that does not exist answer the same bytes (the same actor, the same page).
"""

from __future__ import annotations

from packyard.domain.errors import (
    BadRequest,
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    Unauthenticated,
    Unprocessable,
    nearest,
)
from packyard.http.response import Response
from packyard.web.render import Page

CSRF_MESSAGE = (
    "This form has expired or did not come from this site. Reload the page and try again."
)

# error → (status, title); NotFound's message is never shown (see above).
PAGES: dict[type[DomainError], tuple[int, str]] = {
    NotFound: (404, "Page not found"),
    Unauthenticated: (401, "Sign in"),
    Forbidden: (403, "Not allowed"),
    BadRequest: (400, "Bad request"),
    Unprocessable: (422, "Bad request"),
    Conflict: (409, "Conflict"),
    DomainError: (400, "Bad request"),
}


class CsrfRefused(Forbidden):
    """A form posted without the CSRF token of the browser's session."""

    def __init__(self) -> None:
        super().__init__(CSRF_MESSAGE)


def error_page(page: Page, error: DomainError) -> Response:
    status, title = nearest(PAGES, error) or (400, "Bad request")
    if isinstance(error, NotFound):
        return page.render("not_found.html", 404)
    if isinstance(error, Unauthenticated):
        # Sign-in refused, or a page that needs a session: the form, with why.
        return page.render("login.html", status, message=error.message, next="")
    return page.render("error.html", status, code=status, title=title, message=error.message)
