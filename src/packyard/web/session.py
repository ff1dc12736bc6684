"""The session cookie's name and attributes, and reading it back from a Cookie header."""

from __future__ import annotations

from packyard.auth.sessions import SESSION_SECONDS

SESSION_COOKIE = "packyard_session"


def cookie_header(value: str, *, signed_in: bool, secure: bool) -> str:
    """`HttpOnly` (no script reads it; we have none, an injected one would), `SameSite=Lax`
    (another site's form posts arrive without it), `Secure` when served over https."""
    attributes = ["Path=/", "HttpOnly", "SameSite=Lax"]
    if signed_in:
        attributes.append(f"Max-Age={SESSION_SECONDS}")
    if secure:
        attributes.append("Secure")
    return f"{SESSION_COOKIE}={value}; " + "; ".join(attributes)


def read_cookie(header: str, name: str = SESSION_COOKIE) -> str | None:
    """One cookie's value from a Cookie header (the first, if a browser sends it twice)."""
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None
