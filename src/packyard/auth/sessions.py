"""The web pages' session cookie and the CSRF tokens its forms carry.

    anonymous   NONCE
    signed in   NONCE.TOKEN_ID.EXPIRES.MAC

NONCE is random per browser (and replaced at sign-in and sign-out, so a session cannot be
fixed by whoever set the cookie before). A signed-in cookie names the Packyard token's row,
never the token: its MAC, keyed by the server secret, covers the nonce, the row id, the
expiry and that token's stored hash, so reading the database is not enough to forge one, a
row id reused by another token does not inherit it, and revoking the token ends the session
at the next request (the caller checks the row is live).

A form's CSRF token is a MAC of the whole cookie: a page on another site can make a browser
send the cookie, but cannot read it, so it cannot know the token to post with it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from packyard.auth.tokens import SigningKeys
from packyard.kept import keep

SESSION_SECONDS = 12 * 3600
# Keep a session's MAC and a CSRF token from meaning anything else the same secret signs.
_SESSION_CONTEXT = b"packyard web session v1\0"
_CSRF_CONTEXT = b"packyard web csrf v1\0"
_NONCE = r"[A-Za-z0-9_-]{22}"
_COOKIE = re.compile(rf"({_NONCE})(?:\.([0-9]{{1,10}})\.([0-9]{{1,12}})\.([A-Za-z0-9_-]{{43}}))?")


@dataclass(frozen=True, slots=True)
class Session:
    """A parsed cookie: a signed-in one names a token row, an expiry and a MAC (unchecked)."""

    value: str
    nonce: str
    token_id: int | None = None
    expires_at: int = 0
    mac: str = ""


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


# MACs worked out, kept under everything they are a function of (the key among it): a
# signed-in browser's every page worked out the same two again, its session's and its CSRF
# token's. A MAC not kept is worked out as before; checks still compare in constant time.
MAX_KEPT_MACS = 4096
_macs: dict[tuple[bytes, bytes, str, str], str] = {}


def _mac(key: bytes, context: bytes, text: str, extra: str = "") -> str:
    inputs = (key, context, text, extra)
    mac = _macs.get(inputs)
    if mac is None:
        digest = hmac.new(key, context + text.encode() + b"\0" + extra.encode(), hashlib.sha256)
        mac = base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")
        keep(_macs, inputs, mac, MAX_KEPT_MACS)
    return mac


def mint_session(
    keys: SigningKeys, token_id: int, token_hash: str, expires_at: int, nonce: str
) -> str:
    payload = f"{nonce}.{token_id}.{expires_at}"
    return f"{payload}.{_mac(keys.signing, _SESSION_CONTEXT, payload, token_hash)}"


def read_session(value: str | None) -> Session | None:
    """The cookie's parts, or None for a missing or malformed one (the MAC is not checked:
    that needs the named token's hash, `session_signed_by`)."""
    if not value:
        return None
    match = _COOKIE.fullmatch(value)
    if match is None:
        return None
    nonce, token_id, expires, mac = match.groups()
    if token_id is None:
        return Session(value, nonce)
    return Session(value, nonce, int(token_id), int(expires), mac)


def session_signed_by(keys: SigningKeys, session: Session, token_hash: str) -> bool:
    payload = f"{session.nonce}.{session.token_id}.{session.expires_at}"
    return keys.verifies(lambda key: _mac(key, _SESSION_CONTEXT, payload, token_hash), session.mac)


def csrf_token(keys: SigningKeys, cookie: str) -> str:
    return _mac(keys.signing, _CSRF_CONTEXT, cookie)


def csrf_valid(keys: SigningKeys, cookie: str, presented: str | None) -> bool:
    if not presented or not cookie:
        return False
    return keys.verifies(lambda key: _mac(key, _CSRF_CONTEXT, cookie), presented)
